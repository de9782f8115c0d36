"""Applying what a store pulled from its server: one page at a time, in one transaction.

This is the one inbound path of a store. It writes through the appliers (``hom.sync.apply``),
never through the services: the one-writer rules are for local users, and nothing applied here
is queued in the local change log (it is not this installation's change).

- **Order:** within a page, master data first (in dependency order), then the rows that use it;
  each kind keeps the feed's order.
- **Idempotent:** a row already here is skipped and compared; a different row under the same id
  (same version, other contents) is reported, never overwritten silently.
- **Echoes:** an item this installation wrote itself (its origin is this installation and the
  change-log row is still here) is skipped without a look at its row. After a restore those rows
  are not here any more, so they are applied: that is how a restored store gets back the work
  its earlier self had already pushed.
- **Orders:** a newer version replaces an older one, never the reverse (``apply._stale``).
- **Ledger:** all of a page's entries in one bulk write, each moving this store's own balance.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from hom.core.errors import DomainError
from hom.crud import inventory as inventory_crud
from hom.crud import replica as replica_crud
from hom.crud import site as site_crud
from hom.crud import sync_state as state_crud
from hom.schemas.inventory import LedgerEntrySync
from hom.schemas.sync import FeedItem, Operation
from hom.sync import apply
from hom.sync import entities as E
from hom.sync.identity import NUMBER_BLOCK

#: Master data first, in the order rows refer to each other; then what uses it.
APPLY_ORDER: tuple[str, ...] = (
    E.ROLES,
    E.GEO_NODES,
    E.PARTIES,
    E.SITES,
    E.LOCATIONS,
    E.PRODUCTS,
    E.USERS,
    E.BATCHES,
    E.PRODUCTION_LOGS,
    E.PRIMARY_ORDERS,
    E.SECONDARY_ORDERS,
    E.TERTIARY_ORDERS,
    E.LEDGER,
)
_RANK = {entity: index for index, entity in enumerate(APPLY_ORDER)}
_LEDGER_LIST = TypeAdapter(list[LedgerEntrySync])

#: Ledger fields that must agree when an entry with the same id is already here.
_LEDGER_SAME = ("location_id", "product_id", "batch_id", "quantity", "voucher_id", "voucher_type")


@dataclass
class PageOutcome:
    applied: int = 0
    skipped: int = 0
    #: Items that could not be applied, in words for a person ("entity id: why").
    conflicts: list[str] = field(default_factory=list)
    #: Head-office changes to master data that local drafts were made against (nothing is
    #: changed in the drafts: a person looks at the difference).
    notices: list[str] = field(default_factory=list)


def sort_for_apply(items: Sequence[FeedItem]) -> list[FeedItem]:
    """Master data before transactions; the feed's order within each kind (a stable sort)."""
    return sorted(items, key=lambda i: _RANK.get(i.entity, len(_RANK)))


def apply_page(
    session: Session,
    items: Sequence[FeedItem],
    *,
    installation_id: uuid.UUID,
    at: datetime,
) -> PageOutcome:
    """Apply one pulled page (the caller's transaction also stores the cursor)."""
    out = PageOutcome()
    echoes = state_crud.own_items_present(
        session,
        installation_id=installation_id,
        keys=[
            (i.origin_epoch, i.origin_seq)
            for i in items
            if i.origin_installation_id == installation_id and i.origin_seq is not None
        ],
    )
    todo: list[FeedItem] = []
    for item in items:
        if (
            item.origin_installation_id == installation_id
            and (item.origin_epoch, item.origin_seq) in echoes
        ):
            out.skipped += 1
        else:
            todo.append(item)
    ledger: list[FeedItem] = []
    for item in sort_for_apply(todo):
        if item.entity == E.LEDGER:
            ledger.append(item)
            continue
        _apply_row(session, item, out)
    _apply_ledger(session, ledger, out, at)
    return out


def _describe(item: FeedItem, why: str) -> str:
    return f"{item.entity} {item.entity_id}: {why}"


def _apply_row(session: Session, item: FeedItem, out: PageOutcome) -> None:
    try:
        snapshot = apply.parse(item.entity, item.payload)
    except DomainError as exc:
        out.conflicts.append(_describe(item, exc.message))
        return
    different = _different_same_version(session, item, snapshot)
    if different:
        out.conflicts.append(_describe(item, different))
        return
    before = (
        replica_crud.current(session, apply.ROW_MODELS[E.PRODUCTS].__table__, item.entity_id)
        if item.entity == E.PRODUCTS
        else None
    )
    with session.begin_nested():
        outcome = apply.apply_change(
            session, entity=item.entity, operation=item.operation, snapshot=snapshot
        )
    if isinstance(outcome, DomainError):
        out.conflicts.append(_describe(item, outcome.message))
    elif outcome is apply.ALREADY_APPLIED:
        out.skipped += 1
    else:
        out.applied += 1
        if before is not None:
            out.notices.extend(_drafts_behind(session, before, snapshot))


_WATCHED = ("mrp", "distributor_price", "retailer_price", "active")


def _drafts_behind(session: Session, before: dict, snapshot) -> list[str]:
    """Draft orders here that sell a product the head office just changed (a price, or
    deactivated it): each is named with the difference, for a person to review."""
    changes = [
        f"{name} {before[name]} -> {getattr(snapshot, name)}"
        for name in _WATCHED
        if name in before and before[name] != getattr(snapshot, name, before[name])
    ]
    if not changes:
        return []
    drafts = state_crud.draft_lines_with_product(session, product_id=before["id"])
    return [
        f"draft order {number} was made with {before['sku']} at {price}; the head office "
        f"changed it ({', '.join(changes)}): review the draft before confirming it"
        for number, price in drafts
    ]


def _different_same_version(session: Session, item: FeedItem, snapshot) -> str | None:
    """A row here with the same version as the snapshot but other contents: worth a report."""
    if item.operation == Operation.DELETE or item.entity == E.ROLES:
        return None
    model = apply.ROW_MODELS.get(item.entity) or apply.ORDER_MODELS.get(item.entity, (None,))[0]
    if model is None:
        return None
    values = snapshot.model_dump(exclude={"lines", "role_names"})
    if "version" not in values:
        return None
    existing = replica_crud.current(session, model.__table__, values["id"])
    if existing is None or existing.get("version") != values["version"]:
        return None
    for key, value in values.items():
        if key in existing and key not in ("updated_at", "created_at") and existing[key] != value:
            return (
                f"a different row under the same id and version {values['version']} is here "
                f"({key}: here {existing[key]!r}, server {value!r}); kept as it is"
            )
    return None


def _apply_ledger(session: Session, items: list[FeedItem], out: PageOutcome, at) -> None:
    if not items:
        return
    parsed: list[tuple[FeedItem, Any]] = []
    try:  # a page's entries validated in one call; one by one only when one is refused
        entries = _LEDGER_LIST.validate_python([item.payload for item in items])
        parsed = list(zip(items, entries, strict=True))
    except ValidationError:
        for item in items:
            try:
                parsed.append((item, apply.parse_ledger(item.payload)))
            except DomainError as exc:
                out.conflicts.append(_describe(item, exc.message))
    entries = [p[1] for p in parsed]
    outcomes = apply.apply_ledger_entries(session, entries, at=at)
    already: list[tuple[FeedItem, Any]] = []
    for (item, entry), outcome in zip(parsed, outcomes, strict=True):
        if isinstance(outcome, DomainError):
            out.conflicts.append(_describe(item, outcome.message))
        elif outcome is apply.ALREADY_APPLIED:
            already.append((item, entry))
        else:
            out.applied += 1
    if already:
        here = inventory_crud.ledger_rows_by_id(session, [e.id for _, e in already])
        for item, entry in already:
            row = here.get(entry.id)
            differs = [k for k in _LEDGER_SAME if row is not None and row[k] != getattr(entry, k)]
            if differs:
                out.conflicts.append(
                    _describe(
                        item,
                        f"a different ledger entry under the same id is here ({differs[0]}: "
                        f"here {row[differs[0]]!r}, server {getattr(entry, differs[0])!r}); "
                        "kept as it is",
                    )
                )
            else:
                out.skipped += 1


_NUMBER = re.compile(r"^(?P<site>.+)-(?P<type>[A-Z]+)-(?P<year>\d{4})-(?P<n>\d+)$")


def keep_numbers_ahead(session: Session, *, site_id: uuid.UUID) -> None:
    """After this site's own history arrived (an enrolment on a replacement PC), move its
    document counters past every number the history holds, to the next block: numbers the lost
    PC may have issued without syncing them are never issued again here."""
    highest: dict[tuple[str, int], int] = {}
    for number in state_crud.order_numbers_of_site(session, site_id=site_id):
        match = _NUMBER.match(number or "")
        if match is None:
            continue
        key = (match["type"], int(match["year"]))
        highest[key] = max(highest.get(key, 0), int(match["n"]))
    for (doc_type, year), value in highest.items():
        site_crud.raise_document_sequence(
            session,
            site_id=site_id,
            doc_type=doc_type,
            year=year,
            at_least=(value // NUMBER_BLOCK + 1) * NUMBER_BLOCK,
        )
