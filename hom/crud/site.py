"""SQL for sites, stock locations and this store's installation row and number sequences."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hom.crud import lookup
from hom.models.enums import LocationKind, SiteKind
from hom.models.site import Site, StockLocation
from hom.models.store import DocumentSequence, Installation


def get_site(session: Session, site_id: uuid.UUID) -> Site | None:
    return session.get(Site, site_id)


def get_site_by_code(session: Session, code: str) -> Site | None:
    return session.scalar(select(Site).where(Site.code == code))


def list_sites(session: Session, *, kind: SiteKind | None = None) -> list[Site]:
    stmt = select(Site).order_by(Site.code)
    if kind is not None:
        stmt = stmt.where(Site.kind == kind)
    return list(session.scalars(stmt))


def add_site(session: Session, site: Site) -> Site:
    session.add(site)
    session.flush()
    return site


def get_location(session: Session, location_id: uuid.UUID) -> StockLocation | None:
    return session.get(StockLocation, location_id)


def get_location_by_code(session: Session, code: str) -> StockLocation | None:
    return session.scalar(select(StockLocation).where(StockLocation.code == code))


def get_locations(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, StockLocation]:
    return lookup.by_ids(session, StockLocation, ids)


_LOCATIONS_OF_KIND = (
    select(StockLocation)
    .where(StockLocation.site_id == bindparam("site_id"), StockLocation.kind == bindparam("kind"))
    .order_by(StockLocation.code)
)


def list_locations(
    session: Session,
    *,
    site_id: uuid.UUID | None = None,
    kind: LocationKind | None = None,
    party_id: uuid.UUID | None = None,
) -> list[StockLocation]:
    if site_id is not None and kind is not None and party_id is None:  # a site's store of a kind
        return list(session.scalars(_LOCATIONS_OF_KIND, {"site_id": site_id, "kind": kind}))
    stmt = select(StockLocation).order_by(StockLocation.code)
    if site_id is not None:
        stmt = stmt.where(StockLocation.site_id == site_id)
    if kind is not None:
        stmt = stmt.where(StockLocation.kind == kind)
    if party_id is not None:
        stmt = stmt.where(StockLocation.party_id == party_id)
    return list(session.scalars(stmt))


def add_location(session: Session, location: StockLocation) -> StockLocation:
    session.add(location)
    session.flush()
    return location


def get_installation(session: Session) -> Installation | None:
    return session.scalar(select(Installation).limit(1))


def add_installation(session: Session, installation: Installation) -> Installation:
    session.add(installation)
    session.flush()
    return installation


def next_sequence_value(session: Session, *, site_id: uuid.UUID, doc_type: str, year: int) -> int:
    """Increment and return the site's counter for ``doc_type`` in ``year`` (within the caller's
    transaction, so a rolled-back order does not burn a number).

    One atomic statement (an upsert that adds one and returns the new value): on PostgreSQL the
    row stays locked until the caller's transaction ends, so two concurrent orders can never
    read the same last value and issue the same number.
    """
    stmt = _next_sequence_statement(session.get_bind().dialect.name)
    params = {"site_id": site_id, "doc_type": doc_type, "year": year}
    return int(session.execute(stmt, params).scalar_one())


_sequence_statements: dict[str, Any] = {}


def _next_sequence_statement(dialect: str) -> Any:
    """The upsert of ``next_sequence_value``, built once per dialect (it runs for every order)."""
    stmt = _sequence_statements.get(dialect)
    if stmt is None:
        table = DocumentSequence.__table__
        insert = {"postgresql": pg_insert, "sqlite": sqlite_insert}[dialect]
        stmt = _sequence_statements[dialect] = (
            insert(table)
            .values(
                site_id=bindparam("site_id"),
                doc_type=bindparam("doc_type"),
                year=bindparam("year"),
                last_value=1,
            )
            .on_conflict_do_update(
                index_elements=[table.c.site_id, table.c.doc_type, table.c.year],
                set_={"last_value": table.c.last_value + 1},
            )
            .returning(table.c.last_value)
        )
    return stmt


def document_sequences(session: Session) -> list[DocumentSequence]:
    return list(session.scalars(select(DocumentSequence)))


def raise_document_sequence(
    session: Session, *, site_id: uuid.UUID, doc_type: str, year: int, at_least: int
) -> None:
    """Set a counter to ``at_least`` unless it is already there (never lowered)."""
    # populate_existing: the counter may have moved by a Core upsert since the session read it.
    seq = session.get(DocumentSequence, (site_id, doc_type, year), populate_existing=True)
    if seq is None:
        session.add(
            DocumentSequence(site_id=site_id, doc_type=doc_type, year=year, last_value=at_least)
        )
    elif seq.last_value < at_least:
        seq.last_value = at_least
    session.flush()


def site_ids_in_geography(session: Session, node_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """The sites placed at any of ``node_ids`` (a manager's subtree)."""
    ids = list(node_ids)
    found: set[uuid.UUID] = set()
    for start in range(0, len(ids), 400):
        stmt = select(Site.id).where(Site.geo_node_id.in_(ids[start : start + 400]))
        found.update(session.scalars(stmt))
    return found


def location_ids_of_sites(session: Session, site_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    ids = list(site_ids)
    found: list[uuid.UUID] = []
    for start in range(0, len(ids), 400):
        stmt = select(StockLocation.id).where(StockLocation.site_id.in_(ids[start : start + 400]))
        found.extend(session.scalars(stmt))
    return found


def site_of_party(session: Session, party_id: uuid.UUID) -> uuid.UUID | None:
    """The site whose premises belong to a party (a distributor's own site), if any."""
    return session.scalar(select(Site.id).where(Site.party_id == party_id).limit(1))
