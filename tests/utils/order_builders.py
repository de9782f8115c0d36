"""Builders for production, order and trace tests.

Parties and territories are made as rows directly (test setup only: their services are written
elsewhere); sites, locations and stock go through the services as everywhere else.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hom.crud import production as production_crud
from hom.models import (
    AuditEntry,
    Batch,
    GeoNode,
    GoodsReceipt,
    GoodsReceiptLine,
    OutboxEntry,
    Party,
    PrimaryOrder,
    PrimaryOrderLine,
    ProductionLog,
    SecondaryOrder,
    SecondaryOrderLine,
    StockLedgerEntry,
    TertiaryOrder,
    TertiaryOrderLine,
)
from hom.models.enums import GeoLevel, LocationKind, PartyKind, SiteKind
from hom.models.store import DocumentSequence
from hom.services import stock
from hom.services.context import ActorContext
from tests.utils.builders import StoreKit, add_location, add_site

_seq = itertools.count(1)

COUNTED = {
    "sequences": DocumentSequence,
    "ledger": StockLedgerEntry,
    "outbox": OutboxEntry,
    "audit": AuditEntry,
    "logs": ProductionLog,
    "batches": Batch,
    "primary": PrimaryOrder,
    "primary_lines": PrimaryOrderLine,
    "secondary": SecondaryOrder,
    "secondary_lines": SecondaryOrderLine,
    "tertiary": TertiaryOrder,
    "tertiary_lines": TertiaryOrderLine,
    "receipts": GoodsReceipt,
    "receipt_lines": GoodsReceiptLine,
}


def snapshot(session: Session) -> dict[str, int]:
    """Row counts of every table a refused call must leave alone (and the sequences' values)."""
    counts = {
        name: session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in COUNTED.items()
    }
    counts["sequence_total"] = (
        session.scalar(select(func.coalesce(func.sum(DocumentSequence.last_value), 0))) or 0
    )
    return counts


def refused(store, action, ctx) -> Exception:
    """Run ``action(session, ctx)``; return the error it raised, and prove the service refused
    before writing anything: the counts are compared inside the same transaction, after the
    error and before the rollback (a rollback alone would hide a write-then-refuse service)."""
    session = store.writer_sessions()
    try:
        session.begin()
        before = snapshot(session)
        try:
            action(session, ctx)
        except Exception as exc:
            caught = exc
        else:
            raise AssertionError("the call was expected to be refused")
        if session.is_active:  # a database error leaves nothing to count in this transaction
            assert snapshot(session) == before, "the service wrote before it refused"
    finally:
        session.rollback()
        session.close()
    with store.reader() as s:
        assert snapshot(s) == before
    return caught


def add_territory(session: Session) -> uuid.UUID:
    n = next(_seq)
    node = GeoNode(
        level=int(GeoLevel.TERRITORY), code=f"TER{n:04d}", name=f"Territory {n}", name_key=f"t{n}"
    )
    session.add(node)
    session.flush()
    return node.id


def add_party(
    session: Session,
    *,
    kind: PartyKind,
    code: str | None = None,
    distributor_id: uuid.UUID | None = None,
    territory_id: uuid.UUID | None = None,
    active: bool = True,
) -> Party:
    code = code or f"{kind.value[:3].upper()}{next(_seq):04d}"
    party = Party(
        kind=kind,
        code=code,
        name=f"{kind.value.title()} {code}",
        territory_id=territory_id or add_territory(session),
        distributor_id=distributor_id,
        active=active,
    )
    session.add(party)
    session.flush()
    return party


def add_distributor(session: Session, **kw) -> Party:
    return add_party(session, kind=PartyKind.DISTRIBUTOR, **kw)


def add_retailer(session: Session, *, distributor_id: uuid.UUID, **kw) -> Party:
    return add_party(session, kind=PartyKind.RETAILER, distributor_id=distributor_id, **kw)


def add_batch(
    session: Session,
    *,
    product_id: uuid.UUID,
    code: str,
    expires_on: date | None = None,
    manufactured_on: date | None = None,
) -> Batch:
    return production_crud.add_batch(
        session,
        Batch(
            product_id=product_id,
            code=code,
            expires_on=expires_on,
            manufactured_on=manufactured_on,
        ),
    )


def receive(
    session: Session,
    ctx: ActorContext,
    *,
    location_id: uuid.UUID,
    product_id: uuid.UUID,
    quantity: int,
    batch_id: uuid.UUID | None = None,
) -> None:
    stock.receive(
        session,
        ctx=ctx,
        receipt_in={
            "location_id": location_id,
            "product_id": product_id,
            "quantity": quantity,
            "batch_id": batch_id,
        },
    )


@dataclass
class Chain:
    """A depot selling to a distributor whose stock the depot keeps, and that distributor's
    retailer; plus a second distributor running its own installation (its own site)."""

    depot_site_id: uuid.UUID
    depot_location_id: uuid.UUID
    distributor: Party
    stock_point_id: uuid.UUID  # owned by the depot
    retailer: Party
    own_distributor: Party
    own_site_id: uuid.UUID
    own_stock_point_id: uuid.UUID  # owned by the distributor's own site
    own_retailer: Party


def make_chain(session: Session, kit: StoreKit) -> Chain:
    distributor = add_distributor(session)
    stock_point = add_location(
        session,
        kit.ctx,
        site_id=kit.site_id,
        kind=LocationKind.DISTRIBUTOR_STOCK,
        party_id=distributor.id,
    )
    retailer = add_retailer(session, distributor_id=distributor.id)
    own = add_distributor(session)
    own_site = add_site(session, kit.ctx, kind=SiteKind.DISTRIBUTOR)
    own_point = add_location(
        session, kit.ctx, site_id=own_site, kind=LocationKind.DISTRIBUTOR_STOCK, party_id=own.id
    )
    own_retailer = add_retailer(session, distributor_id=own.id)
    return Chain(
        depot_site_id=kit.site_id,
        depot_location_id=kit.location_id,
        distributor=distributor,
        stock_point_id=stock_point,
        retailer=retailer,
        own_distributor=own,
        own_site_id=own_site,
        own_stock_point_id=own_point,
        own_retailer=own_retailer,
    )


def primary_order(session: Session, kit: StoreKit, chain: Chain, product_id: uuid.UUID, **fields):
    """A draft primary order of one unit of ``product_id`` from the depot to the chain's
    distributor, through the order service (``fields`` add to or replace the header)."""
    from hom.models.enums import OrderLevel
    from hom.services import orders

    order_in = {
        "seller_location_id": chain.depot_location_id,
        "distributor_id": chain.distributor.id,
        "lines": [{"product_id": product_id, "quantity": 1}],
        **fields,
    }
    return orders.create_order(session, ctx=kit.ctx, level=OrderLevel.PRIMARY, order_in=order_in)
