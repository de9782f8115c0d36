"""Distributors and retailers.

Rules:
- every party sits in a geography node at level territory;
- a retailer may name its distributor, which must be an active distributor party; a
  distributor has no distributor;
- codes are unique (upper-case); a name is required; the kind never changes once created
  (orders of each level point at parties of one kind);
- a GSTIN (optional: unregistered parties have none) passes its check character and is
  registered in the state the party's territory is in.

Writes need ``parties.manage`` and leave an audit row each. Reads for the GUI page, filter and
sort in SQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from hom.core.clock import utcnow
from hom.core.errors import DomainError, Duplicate, NotFound, at_item
from hom.core.ids import new_id
from hom.crud import geography as geo_crud
from hom.crud import party as party_crud
from hom.models.enums import GeoLevel, PartyKind
from hom.models.party import Party
from hom.schemas.base import validate
from hom.schemas.gst import GST_STATES, gst_state_code
from hom.schemas.party import PartyCreate, PartyPublic, PartyUpdate
from hom.services import audit, geography
from hom.services.context import ActorContext
from hom.services.permissions import require
from hom.sync import changelog

ENTITY = "parties"
PERMISSION = "parties.manage"
SORT_KEYS = tuple(party_crud.SORT_COLUMNS)
MAX_PAGE = 5_000


# --- rules shared with the CSV import --------------------------------------------------------


def check_territory(*, level: int | None, label: str, field: str = "territory_id") -> None:
    """Refuse a territory that is not a geography node at level territory."""
    if level != GeoLevel.TERRITORY:
        got = GeoLevel(level).name.lower() if level else "unknown"
        raise DomainError(
            f"a party belongs to a territory; {label} is a {got}, not a territory", field=field
        )


def check_distributor_link(
    *,
    kind: PartyKind,
    distributor_kind: PartyKind | None,
    distributor_active: bool,
    distributor_label: str | None,
    field: str = "distributor_id",
) -> None:
    """Refuse a distributor on a distributor, or a retailer's link to a non-(active)-distributor.

    ``distributor_label`` None means no distributor is named.
    """
    if distributor_label is None:
        return
    if kind == PartyKind.DISTRIBUTOR:
        raise DomainError(
            f"a distributor has no distributor of its own (got {distributor_label})", field=field
        )
    if distributor_kind != PartyKind.DISTRIBUTOR:
        raise DomainError(
            f"a retailer's distributor must be a distributor; {distributor_label} is a "
            f"{distributor_kind.value if distributor_kind else 'unknown party'}",
            field=field,
        )
    if not distributor_active:
        raise DomainError(
            f"distributor {distributor_label} is inactive; choose an active distributor",
            field=field,
        )


def check_gstin_state(*, gstin: str, state: str | None, field: str = "gstin") -> None:
    """Refuse a GSTIN registered in another state than the one the party's territory is in
    (its first two digits are the state's GST code). Nothing to check without a GSTIN or
    when the geography's state is not an Indian state."""
    expected = gst_state_code(state)
    if not gstin or expected is None or gstin[:2] == expected:
        return
    registered = GST_STATES.get(gstin[:2], gstin[:2])
    raise DomainError(
        f"{gstin} is registered in {registered} (state code {gstin[:2]}), but the party's "
        f"territory is in {state} (state code {expected}): check the GSTIN or the territory",
        field=field,
    )


def _territory(session: Session, territory_id: uuid.UUID) -> None:
    node = geo_crud.get(session, territory_id)
    if node is None:
        raise NotFound(f"unknown territory {territory_id}", field="territory_id")
    check_territory(level=node.level, label=f"{node.code} ({node.name})")


def _distributor(session: Session, *, kind: PartyKind, distributor_id: uuid.UUID | None) -> None:
    if distributor_id is None:
        return
    if kind == PartyKind.DISTRIBUTOR:
        check_distributor_link(
            kind=kind,
            distributor_kind=None,
            distributor_active=False,
            distributor_label=str(distributor_id),
        )
    distributor = party_crud.get(session, distributor_id)
    if distributor is None:
        raise NotFound(f"unknown distributor {distributor_id}", field="distributor_id")
    check_distributor_link(
        kind=kind,
        distributor_kind=distributor.kind,
        distributor_active=distributor.active,
        distributor_label=distributor.code,
    )


# --- writes ---------------------------------------------------------------------------------


def create_party(session: Session, *, ctx: ActorContext, party_in: PartyCreate | dict) -> Party:
    """Add a distributor or retailer in a territory."""
    require(ctx, PERMISSION)
    data = validate(PartyCreate, party_in)
    if party_crud.get_by_code(session, data.code) is not None:
        raise Duplicate(f"party code {data.code} is already used", field="code")
    _territory(session, data.territory_id)
    _distributor(session, kind=data.kind, distributor_id=data.distributor_id)
    if data.gstin:
        state = geography.state_name(session, data.territory_id)
        check_gstin_state(gstin=data.gstin, state=state)
    party = party_crud.add(
        session,
        Party(**data.model_dump(), created_by=ctx.user_id, installation_id=ctx.installation_id),
    )
    changelog.queue(session, ctx=ctx, entity=ENTITY, rows=[party], operation="insert")
    audit.record(
        session,
        ctx=ctx,
        action="party.create",
        entity=ENTITY,
        entity_id=party.id,
        summary=f"created {party.kind.value} {party.code} ({party.name})",
    )
    return party


def create_parties(
    session: Session, *, ctx: ActorContext, parties_in: Sequence[PartyCreate | dict]
) -> list[uuid.UUID]:
    """Add many parties at once (an import); their ids, in order. The rules of
    ``create_party``, checked with batched look-ups, then one bulk insert of the parties and of
    their audit rows.

    An item may carry its own ``id``, and a retailer may name as its distributor an item before
    it (by that id). A refusal names the item as ``parties_in.<index>.<field>``; nothing is
    added then.
    """
    require(ctx, PERMISSION)
    items: list[tuple[uuid.UUID, PartyCreate]] = []
    for index, raw in enumerate(parties_in):
        given = None
        if isinstance(raw, dict) and "id" in raw:
            raw = dict(raw)
            given = raw.pop("id")
        try:
            data = validate(PartyCreate, raw)
        except DomainError as exc:
            raise at_item("parties_in", index, exc) from None
        items.append((given or new_id(), data))
    new = {party_id: data for party_id, data in items}
    territories = geo_crud.refs_by_ids(session, {d.territory_id for _i, d in items})
    stored = party_crud.get_many(
        session,
        {d.distributor_id for _i, d in items if d.distributor_id and d.distributor_id not in new},
    )
    taken = party_crud.codes_taken(session, (d.code for _i, d in items))
    states = geography.state_names(session, [d.territory_id for _i, d in items if d.gstin])
    codes: set[str] = set()
    rows: list[dict[str, Any]] = []
    now = utcnow()
    for index, (party_id, data) in enumerate(items):
        try:
            if data.code in taken or data.code in codes:
                raise Duplicate(f"party code {data.code} is already used", field="code")
            node = territories.get(data.territory_id)
            if node is None:
                raise NotFound(f"unknown territory {data.territory_id}", field="territory_id")
            check_territory(level=node.level, label=f"{node.code} ({node.name})")
            if data.gstin:
                check_gstin_state(gstin=data.gstin, state=states.get(data.territory_id))
            if data.distributor_id is not None:
                above = new.get(data.distributor_id) or stored.get(data.distributor_id)
                if above is None and data.kind != PartyKind.DISTRIBUTOR:
                    raise NotFound(
                        f"unknown distributor {data.distributor_id}", field="distributor_id"
                    )
                check_distributor_link(
                    kind=data.kind,
                    distributor_kind=above.kind if above else None,
                    distributor_active=above.active if above else False,
                    distributor_label=above.code if above else str(data.distributor_id),
                )
        except DomainError as exc:
            raise at_item("parties_in", index, exc) from None
        codes.add(data.code)
        rows.append(
            {
                **data.model_dump(),
                "id": party_id,
                "created_at": now,
                "updated_at": now,
                "created_by": ctx.user_id,
                "installation_id": ctx.installation_id,
            }
        )
    written = party_crud.add_rows(session, rows)
    changelog.queue(session, ctx=ctx, entity=ENTITY, rows=written, operation="insert")
    audit.record_many(
        session,
        ctx=ctx,
        action="party.create",
        entity=ENTITY,
        entries=[
            (row["id"], f"created {row['kind'].value} {row['code']} ({row['name']})")
            for row in rows
        ],
    )
    return [row["id"] for row in rows]


def get_parties(session: Session, ids: Sequence[uuid.UUID]) -> list[Party]:
    """The parties ``ids`` that exist (read in batches)."""
    return list(party_crud.get_many(session, ids).values())


def update_party(
    session: Session, *, ctx: ActorContext, party_id: uuid.UUID, party_in: PartyUpdate | dict
) -> Party:
    """Change the fields given; the distributor link is re-checked only when it changes."""
    require(ctx, PERMISSION)
    data = validate(PartyUpdate, party_in)
    party = get_party(session, party_id)
    fields: dict[str, Any] = data.model_dump(exclude_unset=True)
    changes = audit.diff(party, fields)
    if not changes:
        return party
    if "code" in changes:
        other = party_crud.get_by_code(session, fields["code"])
        if other is not None and other.id != party.id:
            raise Duplicate(f"party code {fields['code']} is already used", field="code")
    if "territory_id" in changes:
        _territory(session, fields["territory_id"])
    if "distributor_id" in changes:
        _distributor(session, kind=party.kind, distributor_id=fields["distributor_id"])
    if ("gstin" in changes or "territory_id" in changes) and fields.get("gstin", party.gstin):
        territory_id = fields.get("territory_id", party.territory_id)
        check_gstin_state(
            gstin=fields.get("gstin", party.gstin),
            state=geography.state_name(session, territory_id),
        )
    for key, (_old, new) in changes.items():
        setattr(party, key, new)
    session.flush()
    changelog.queue(session, ctx=ctx, entity=ENTITY, rows=[party], operation="update")
    audit.record(
        session,
        ctx=ctx,
        action="party.update",
        entity=ENTITY,
        entity_id=party.id,
        summary=f"updated {party.kind.value} {party.code}",
        changes=changes,
    )
    return party


def set_active(session: Session, *, ctx: ActorContext, party_id: uuid.UUID, active: bool) -> Party:
    """Activate or deactivate a party (an inactive distributor takes no new retailers)."""
    require(ctx, PERMISSION)
    party = get_party(session, party_id)
    if party.active == active:
        return party
    party.active = active
    session.flush()
    changelog.queue(session, ctx=ctx, entity=ENTITY, rows=[party], operation="update")
    audit.record(
        session,
        ctx=ctx,
        action="party.activate" if active else "party.deactivate",
        entity=ENTITY,
        entity_id=party.id,
        summary=f"{'activated' if active else 'deactivated'} {party.kind.value} {party.code}",
        changes={"active": (not active, active)},
    )
    return party


# --- reads ----------------------------------------------------------------------------------


def get_party(session: Session, party_id: uuid.UUID) -> Party:
    party = party_crud.get(session, party_id)
    if party is None:
        raise NotFound(f"unknown party {party_id}", field="party_id")
    return party


def get_party_by_code(session: Session, code: str) -> Party:
    party = party_crud.get_by_code(session, code.strip().upper())
    if party is None:
        raise NotFound(f"unknown party code {code!r}", field="code")
    return party


def _check_paging(sort: str, offset: int, limit: int) -> None:
    if sort not in party_crud.SORT_COLUMNS:
        raise DomainError(
            f"cannot sort parties by {sort!r}; sort by one of {', '.join(SORT_KEYS)}", field="sort"
        )
    if offset < 0:
        raise DomainError("must be 0 or more", field="offset")
    if not 1 <= limit <= MAX_PAGE:
        raise DomainError(f"must be between 1 and {MAX_PAGE}", field="limit")


def page_parties(
    session: Session,
    *,
    kind: PartyKind | None = None,
    territory_id: uuid.UUID | None = None,
    search: str = "",
    active: bool | None = None,
    sort: str = "code",
    descending: bool = False,
    offset: int = 0,
    limit: int = 200,
) -> list[Party]:
    """One page for a table view.

    ``territory_id`` may be any geography node: parties anywhere below it are included (a
    territory selects exactly its own). ``search`` matches rows holding each of its words in the
    code or name, ignoring case and accents.
    """
    _check_paging(sort, offset, limit)
    return party_crud.page(
        session,
        kind=kind,
        territory_id=territory_id,
        search=search,
        active=active,
        sort=sort,
        descending=descending,
        offset=offset,
        limit=limit,
    )


def count_parties(
    session: Session,
    *,
    kind: PartyKind | None = None,
    territory_id: uuid.UUID | None = None,
    search: str = "",
    active: bool | None = None,
) -> int:
    """How many parties ``page_parties`` would page through with the same filters."""
    return party_crud.count(
        session, kind=kind, territory_id=territory_id, search=search, active=active
    )


def to_public(party: Party) -> PartyPublic:
    return PartyPublic.model_validate(party)
