"""SQL for distributors and retailers: lookups, filtered and sorted pages, export rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from hom.crud import bulk, lookup
from hom.crud import geography as geo_crud
from hom.crud import search as search_crud
from hom.models.enums import PartyKind
from hom.models.geography import GeoNode
from hom.models.party import Party

_CHUNK = 400

SORT_COLUMNS: dict[str, Any] = {
    "code": Party.code,
    "name": Party.sort_key,
    "kind": Party.kind,
    "active": Party.active,
    "phone": Party.phone,
    "gstin": Party.gstin,
    "created_at": Party.created_at,
}


def get(session: Session, party_id: uuid.UUID) -> Party | None:
    return session.get(Party, party_id)


def get_by_code(session: Session, code: str) -> Party | None:
    return session.scalar(select(Party).where(Party.code == code))


def get_many(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Party]:
    return lookup.by_ids(session, Party, ids)


def get_by_codes(session: Session, codes: Iterable[str]) -> dict[str, Party]:
    wanted = list(set(codes))
    found: dict[str, Party] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update(
            {p.code: p for p in session.scalars(select(Party).where(Party.code.in_(chunk)))}
        )
    return found


_CODES_TAKEN = select(Party.code).where(Party.code.in_(bindparam("codes", expanding=True)))


def codes_taken(session: Session, codes: Iterable[str]) -> set[str]:
    """Which of ``codes`` are parties' codes already."""
    wanted = list(set(codes))
    taken: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        taken.update(session.scalars(_CODES_TAKEN, {"codes": wanted[start : start + _CHUNK]}))
    return taken


def _filtered(
    stmt: Select,
    *,
    kind: PartyKind | None,
    territory_id: uuid.UUID | None,
    search: str,
    active: bool | None,
) -> Select:
    if kind is not None:
        stmt = stmt.where(Party.kind == kind)
    if territory_id is not None:
        down = geo_crud.subtree_cte(territory_id)
        stmt = stmt.where(Party.territory_id.in_(select(down.c.id)))
    if active is not None:
        stmt = stmt.where(Party.active == active)
    words = search_crud.all_words(search, Party.search_key)
    if words is not None:
        stmt = stmt.where(words)
    return stmt


def page(
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
    """One page of parties; ``sort`` must be a key of ``SORT_COLUMNS`` (ties broken by id)."""
    column = SORT_COLUMNS[sort]
    order = [column.desc(), Party.id.desc()] if descending else [column.asc(), Party.id.asc()]
    stmt = _filtered(
        select(Party), kind=kind, territory_id=territory_id, search=search, active=active
    )
    return list(session.scalars(stmt.order_by(*order).offset(offset).limit(limit)))


def count(
    session: Session,
    *,
    kind: PartyKind | None = None,
    territory_id: uuid.UUID | None = None,
    search: str = "",
    active: bool | None = None,
) -> int:
    stmt = _filtered(
        select(func.count()).select_from(Party),
        kind=kind,
        territory_id=territory_id,
        search=search,
        active=active,
    )
    return session.scalar(stmt) or 0


def export_rows(session: Session) -> list[tuple[Party, str, str | None]]:
    """Every party with its territory's and distributor's codes; distributors first."""
    territory = aliased(GeoNode)
    distributor = aliased(Party)
    stmt = (
        select(Party, territory.code, distributor.code)
        .join(territory, Party.territory_id == territory.id)
        .outerjoin(distributor, Party.distributor_id == distributor.id)
        .order_by(Party.kind, Party.code)
    )
    return [(p, t, d) for p, t, d in session.execute(stmt)]


def add_rows(session: Session, rows: list[dict[str, Any]]) -> Sequence[dict[str, Any]]:
    """Insert many parties from column values (each with its ``id``; distributors before the
    retailers naming them) in one statement."""
    return bulk.insert_model_rows(session, Party, rows)


def add(session: Session, party: Party) -> Party:
    session.add(party)
    session.flush()
    return party
