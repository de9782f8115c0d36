"""The sync protocol on the server: handshake, push (exactly once, in order) and pull.

Push: a batch of one (installation, epoch)'s change-log items in seq order. The server locks the
(installation, epoch) row, answers items at or below its last applied seq "duplicate", refuses a
gap (nothing applied, the expected seq said), and applies the rest in order. Each item is
accepted, or rejected with its reason (scope, validation, a rule) and recorded for a person; a
rejected item does not block the ones after it unless they refer to it (``depends_on``). The
items, the new last-applied seq, the rejections and the feed rows commit in one transaction.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hom.core import migrate as shared_migrate
from hom.core.clock import utcnow
from hom.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed, WrongSite
from hom.crud import site as site_crud
from hom.models.enums import SiteKind
from hom.schemas.sync import (
    MAX_PULL_LIMIT,
    PAYLOAD_VERSION,
    ChangeItem,
    FeedItem,
    Handshake,
    HandshakeAnswer,
    ItemResult,
    ItemStatus,
    Operation,
    PullPage,
    PushAnswer,
    PushRequest,
)
from hom.services import geography
from hom.sync import apply, ownership
from hom_server.core.config import ServerSettings
from hom_server.core.errors import SeqGap, UpgradeRequired
from hom_server.crud import check as check_crud
from hom_server.crud import sync as sync_crud
from hom_server.models import Device
from hom_server.services import feed

CURSOR_START = "0.0"


# --- handshake ------------------------------------------------------------------------------


def _version(text: str) -> tuple[int, ...]:
    parts = re.findall(r"\d+", text)
    if not parts:
        raise ValidationFailed([("app_version", "must be a version such as 0.1.0")])
    return tuple(int(p) for p in parts[:4])


def handshake(
    session: Session, *, device: Device, hello: Handshake, settings: ServerSettings
) -> HandshakeAnswer:
    """Whether this client may sync with this server, and if not, who must update to what."""
    minimum = settings.min_app_version
    message = None
    if _version(hello.app_version) < _version(minimum):
        message = f"update HOM Desktop to at least {minimum} (this is {hello.app_version})"
    elif hello.payload_version < PAYLOAD_VERSION:
        message = (
            f"update HOM Desktop to at least {minimum}: this server reads change payloads of "
            f"version {PAYLOAD_VERSION}, this desktop writes version {hello.payload_version}"
        )
    elif hello.payload_version > PAYLOAD_VERSION:
        message = (
            f"this server is older than this HOM Desktop (payload version "
            f"{hello.payload_version} > {PAYLOAD_VERSION}): ask the head office to update it"
        )
    else:
        message = _migration_mismatch(hello.migration_head, minimum)
    compatible = message is None
    if compatible:
        device.app_version = hello.app_version
    device.last_seen_at = utcnow()
    return HandshakeAnswer(
        compatible=compatible,
        message=message,
        min_app_version=minimum,
        server_payload_version=PAYLOAD_VERSION,
    )


def _migration_mismatch(client_head: str, minimum: str) -> str | None:
    script = ScriptDirectory.from_config(shared_migrate.alembic_config(None))  # type: ignore[arg-type]
    head = script.get_current_head()
    if client_head == head:
        return None
    known = {rev.revision for rev in script.walk_revisions()}
    if client_head in known:
        return (
            f"update HOM Desktop to at least {minimum}: its database is at migration "
            f"{client_head}, this server's at {head}"
        )
    return (
        f"this server is older than this HOM Desktop (migration {client_head} is unknown here): "
        "ask the head office to update it"
    )


# --- push -----------------------------------------------------------------------------------


def push(session: Session, *, device: Device, request: PushRequest) -> PushAnswer:
    now = utcnow()
    if request.installation_id != device.installation_id:
        raise PermissionDenied(
            "this credential belongs to another installation: push only your own change log",
            field="installation_id",
        )
    _check_items(request.items)
    applied = sync_crud.lock_applied(
        session, installation_id=request.installation_id, epoch=request.epoch
    )
    last = applied.last_seq
    first = request.items[0].seq
    if first > last + 1:
        raise SeqGap(
            f"items {last + 1} to {first - 1} of epoch {request.epoch} are missing: push from "
            f"seq {last + 1}; nothing was applied",
            expected_seq=last + 1,
        )
    results: dict[int, ItemResult] = {
        i.seq: ItemResult(seq=i.seq, status=ItemStatus.DUPLICATE)
        for i in request.items
        if i.seq <= last
    }
    new = [i for i in request.items if i.seq > last]
    if new:
        _apply_items(session, device=device, request=request, items=new, results=results, now=now)
        applied.last_seq = new[-1].seq
        applied.updated_at = now
    device.last_seen_at = now
    if request.sent_at is not None:
        device.clock_offset_ms = int((now - request.sent_at).total_seconds() * 1000)
    return PushAnswer(
        installation_id=request.installation_id,
        epoch=request.epoch,
        last_applied_seq=applied.last_seq,
        results=[results[i.seq] for i in request.items],
    )


def _check_items(items: Sequence[ChangeItem]) -> None:
    for index, item in enumerate(items):
        if item.seq != items[0].seq + index:
            raise ValidationFailed(
                [(f"items.{index}.seq", f"must be {items[0].seq + index}: seqs rise by one")]
            )
        if item.payload_version > PAYLOAD_VERSION:
            raise UpgradeRequired(
                f"this server reads change payloads up to version {PAYLOAD_VERSION}, item "
                f"{item.seq} is version {item.payload_version}: ask the head office to update "
                "the server; nothing was applied",
                min_app_version="",
            )


_UUID_TEXT = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")


def _references(value: Any) -> Iterable[uuid.UUID]:
    """Every id a payload mentions (its own, its parties, locations, lines...)."""
    if isinstance(value, Mapping):
        for v in value.values():
            yield from _references(v)
    elif isinstance(value, list):
        for v in value:
            yield from _references(v)
    elif isinstance(value, str) and len(value) == 36 and _UUID_TEXT.match(value):
        yield uuid.UUID(value)


def _apply_items(
    session: Session,
    *,
    device: Device,
    request: PushRequest,
    items: Sequence[ChangeItem],
    results: dict[int, ItemResult],
    now: datetime,
) -> None:
    refs = {i.seq: {i.entity_id, *_references(i.payload)} for i in items}
    blocked = sync_crud.rejected_entities(
        session,
        installation_id=request.installation_id,
        entity_ids={r for ids in refs.values() for r in ids},
    )
    feed_rows: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    head_office = _is_head_office(session, device)

    def reject(item: ChangeItem, exc: DomainError, depends_on: int | None = None) -> None:
        results[item.seq] = ItemResult(
            seq=item.seq,
            status=ItemStatus.REJECTED,
            reason=exc.message,
            field=exc.field,
            depends_on=depends_on,
        )
        blocked.setdefault(item.entity_id, item.seq)
        rejected.append(
            {
                "installation_id": request.installation_id,
                "epoch": request.epoch,
                "seq": item.seq,
                "entity": item.entity,
                "entity_id": item.entity_id,
                "reason": exc.message[:500],
                "field": (exc.field or "")[:120] or None,
                "depends_on": depends_on,
                "payload": item.payload,
                "rejected_at": now,
            }
        )

    resolved: set[uuid.UUID] = set()

    def accept(item: ChangeItem, placed: feed.Placed) -> None:
        results[item.seq] = ItemResult(seq=item.seq, status=ItemStatus.ACCEPTED)
        if blocked.pop(item.entity_id, None) is not None:
            resolved.add(item.entity_id)  # a row sent again after a fix: its dependents may go
        feed_rows.append(
            feed.feed_row(
                placed,
                entity=item.entity,
                entity_id=item.entity_id,
                operation=item.operation.value,
                payload_version=item.payload_version,
                payload=item.payload,
                origin=(request.installation_id, request.epoch, item.seq),
                device_created_at=item.created_at,
                received_at=now,
            )
        )

    def duplicate(item: ChangeItem) -> None:
        results[item.seq] = ItemResult(seq=item.seq, status=ItemStatus.DUPLICATE)

    run: list[ChangeItem] = []
    run_ids: set[uuid.UUID] = set()
    for item in items:
        if not run_ids.isdisjoint(refs[item.seq]):
            # It refers to an item still waiting in the run: settle the run first, so a
            # rejection there is known before this item is judged.
            _flush_ledger(session, device, run, accept, reject, duplicate, now)
            run, run_ids = [], set()
        # A row's own earlier rejection does not block the row sent again (a resend after a
        # fix); rows referring to it wait until it is accepted.
        dependency = next(
            (blocked[r] for r in refs[item.seq] if r in blocked and r != item.entity_id), None
        )
        if dependency is not None:
            reject(
                item,
                DomainError(f"depends on item {dependency}, which was rejected", field="payload"),
                depends_on=dependency,
            )
            continue
        if item.entity == apply.LEDGER:
            run.append(item)
            run_ids.add(item.entity_id)
            continue
        _flush_ledger(session, device, run, accept, reject, duplicate, now)
        run, run_ids = [], set()
        _apply_other(session, device, head_office, item, accept, reject, duplicate)
    _flush_ledger(session, device, run, accept, reject, duplicate, now)
    sync_crud.append_feed(session, feed_rows)
    sync_crud.add_rejected(session, rejected)
    if resolved:
        check_crud.clear_rejected(
            session, installation_id=request.installation_id, entity_ids=resolved
        )


def _flush_ledger(session, device, run: list[ChangeItem], accept, reject, duplicate, now) -> None:
    """Apply a run of consecutive ledger items in one bulk write, after checking each one's
    payload and writer; if the bulk write fails anyway, apply them one by one."""
    if not run:
        return
    parsed: list[tuple[ChangeItem, Any]] = []
    for item in run:
        try:
            if item.operation != Operation.INSERT:
                raise DomainError(
                    "the stock ledger is append-only: a correction is a reversing entry",
                    field="operation",
                )
            entry = apply.parse_ledger(item.payload)
            if entry.id != item.entity_id:
                raise DomainError(
                    "the payload's id is not the item's entity_id", field="payload.id"
                )
        except DomainError as exc:
            reject(item, exc)
            continue
        parsed.append((item, entry))
    # One query for the run's locations (kept referenced: the identity map holds them weakly).
    locations = site_crud.get_locations(session, {e.location_id for _, e in parsed})
    checked: list[tuple[ChangeItem, Any, uuid.UUID]] = []
    for item, entry in parsed:
        try:
            site_id = _ledger_writer(session, device, item, locations.get(entry.location_id))
        except DomainError as exc:
            exc.field = exc.field or "payload.location_id"
            if "unknown stock location" in exc.message:
                exc.message = f"unknown stock location {entry.location_id}"
            reject(item, exc)
            continue
        checked.append((item, entry, site_id))
    if not checked:
        return
    try:
        with session.begin_nested():
            outcomes = apply.apply_ledger_entries(session, [c[1] for c in checked], at=now)
    except IntegrityError:
        outcomes = []
        for _item, entry, _site in checked:
            try:
                with session.begin_nested():
                    outcomes.append(apply.apply_ledger_entries(session, [entry], at=now)[0])
            except IntegrityError as exc:
                outcomes.append(DomainError(f"refused by the database: {type(exc.orig).__name__}"))
    for (item, _entry, site_id), outcome in zip(checked, outcomes, strict=True):
        if isinstance(outcome, DomainError):
            reject(item, outcome)
        elif outcome is apply.ALREADY_APPLIED:  # here already, under an earlier identity
            duplicate(item)
        else:
            accept(item, feed.Placed(site_id=site_id))


def _is_head_office(session: Session, device: Device) -> bool:
    if device.site_id is None:
        return False
    site = site_crud.get_site(session, device.site_id)
    return site is not None and site.kind == SiteKind.HEAD_OFFICE


def _apply_other(session, device, head_office, item: ChangeItem, accept, reject, duplicate) -> None:
    """One change of any entity but the ledger: checked against its schema and the ownership
    table, then applied in a savepoint (a refusal leaves nothing of it behind)."""
    try:
        snapshot = apply.parse(item.entity, item.payload)
        if getattr(snapshot, "id", item.entity_id) != item.entity_id:
            raise DomainError("the payload's id is not the item's entity_id", field="payload.id")
        try:
            writer = feed.writer_of(session, item.entity, item.payload)
        except ValueError as exc:
            raise NotFound(str(exc), field="payload") from None
        if writer == ownership.Writer.HEAD_OFFICE:
            if not head_office:
                raise WrongSite(
                    f"{item.entity.replace('_', ' ')} are written by the head office only",
                    field="entity",
                )
        elif writer != device.site_id:
            owner = site_crud.get_site(session, writer)
            raise WrongSite(
                f"this {item.entity.replace('_', ' ').rstrip('s')} is written by "
                f"{owner.code if owner else 'another site'}, not by this installation's site",
                field="payload",
            )
        placed = feed.place(session, item.entity, item.payload)
    except DomainError as exc:
        reject(item, exc)
        return
    try:
        with session.begin_nested():
            outcome = apply.apply_change(
                session, entity=item.entity, operation=item.operation, snapshot=snapshot
            )
            if isinstance(outcome, DomainError):
                raise _Refused(outcome)
    except _Refused as refused:
        reject(item, refused.error)
        return
    except IntegrityError as exc:
        reject(item, DomainError(f"refused by the database: {_constraint(exc)}", field="payload"))
        return
    if outcome is apply.ALREADY_APPLIED:
        duplicate(item)
    else:
        accept(item, placed)


class _Refused(Exception):
    """Rolls the savepoint back for an applier's refusal."""

    def __init__(self, error: DomainError) -> None:
        self.error = error


def _constraint(exc: IntegrityError) -> str:
    name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    return name or str(exc.orig).splitlines()[0][:200]


def _ledger_writer(session: Session, device: Device, item: ChangeItem, location) -> uuid.UUID:
    """The location's site, which must be the device's (stock: the site owning the location)."""
    if location is None:
        raise NotFound("unknown stock location", field="payload.location_id")
    if device.site_id is None or location.site_id != device.site_id:
        owner = site_crud.get_site(session, location.site_id)
        raise WrongSite(
            f"location {location.code} belongs to {owner.code if owner else 'another site'}: "
            "an installation pushes only its own site's stock",
            field="payload.location_id",
        )
    if item.site_id is not None and item.site_id != device.site_id:
        raise WrongSite("the item's site is not this installation's site", field="site_id")
    return location.site_id


# --- pull -----------------------------------------------------------------------------------


def parse_cursor(cursor: str | None) -> tuple[int, int]:
    text = (cursor or CURSOR_START).strip()
    parts = text.split(".")
    if len(parts) != 2 or not all(p.isdigit() and len(p) <= 19 for p in parts):
        raise ValidationFailed(
            [("cursor", "must be a cursor this server gave (next_cursor), or empty to start")]
        )
    return int(parts[0]), int(parts[1])


def visible_sites(session: Session, *, device: Device) -> set[uuid.UUID] | None:
    """The sites whose rows a device sees besides master data; None means every site (the
    head office's installation)."""
    if device.site_id is not None:
        site = site_crud.get_site(session, device.site_id)
        if site is not None and site.kind == SiteKind.HEAD_OFFICE:
            return None
        return {device.site_id}
    if device.geo_node_id is not None:
        nodes = geography.subtree_ids(session, device.geo_node_id)
        return site_crud.site_ids_in_geography(session, nodes)
    return set()


def pull(session: Session, *, device: Device, cursor: str | None, limit: int) -> PullPage:
    after = parse_cursor(cursor)
    limit = max(1, min(limit, MAX_PULL_LIMIT))
    rows = sync_crud.read_feed(
        session, after=after, limit=limit + 1, site_ids=visible_sites(session, device=device)
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = f"{rows[-1].txid}.{rows[-1].id}" if rows else f"{after[0]}.{after[1]}"
    return PullPage(
        items=[
            FeedItem(
                entity=r.entity,
                entity_id=r.entity_id,
                operation=Operation(r.operation),
                site_id=r.site_id,
                payload_version=r.payload_version,
                payload=r.payload,
                origin_installation_id=r.origin_installation_id,
                origin_epoch=r.origin_epoch,
                origin_seq=r.origin_seq,
                received_at=r.received_at,
            )
            for r in rows
        ],
        next_cursor=next_cursor,
        has_more=has_more,
    )
