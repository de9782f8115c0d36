"""Tracing a batch for a recall: where it was made, where its stock went, who bought it.

A recall starts from the code printed on a pack. The trace answers, in one read: which factory
made the batch and when (with any reversals), every stock movement of it per location (so the
stock still to be pulled back is visible), and every primary, secondary and tertiary order it went
into, with the counterparty to contact.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import RowMapping
from sqlalchemy.orm import Session

from hom.core.errors import DomainError, NotFound
from hom.crud import trace as trace_crud
from hom.models.enums import LocationKind, OrderLevel, OrderStatus, Shift, VoucherType
from hom.schemas.production import check_batch_code
from hom.services.orders import LEVELS


@dataclass(frozen=True)
class TracedBatch:
    id: uuid.UUID
    code: str
    product_id: uuid.UUID
    sku: str
    product_name: str
    factory_site_id: uuid.UUID | None
    factory_code: str | None
    manufactured_on: date | None
    expires_on: date | None


@dataclass(frozen=True)
class TracedProduction:
    log_id: uuid.UUID
    site_id: uuid.UUID
    site_code: str
    site_name: str
    production_date: date
    shift: Shift
    good_qty: int
    rejected_qty: int
    remarks: str
    reverses_id: uuid.UUID | None
    reversed: bool
    created_at: datetime


@dataclass(frozen=True)
class TracedMovement:
    entry_id: uuid.UUID
    quantity: int
    balance_after: int
    voucher_type: VoucherType
    voucher_id: uuid.UUID
    voucher_no: str
    created_at: datetime


@dataclass(frozen=True)
class TracedLocation:
    """The batch's movements at one location; ``on_hand`` is what is still there."""

    location_id: uuid.UUID
    code: str
    name: str
    kind: LocationKind
    site_code: str
    movements: list[TracedMovement] = field(default_factory=list)

    @property
    def on_hand(self) -> int:
        return sum(m.quantity for m in self.movements)

    @property
    def received(self) -> int:
        return sum(m.quantity for m in self.movements if m.quantity > 0)

    @property
    def issued(self) -> int:
        return -sum(m.quantity for m in self.movements if m.quantity < 0)


@dataclass(frozen=True)
class TracedOrder:
    level: OrderLevel
    order_id: uuid.UUID
    number: str
    status: OrderStatus
    order_date: date
    site_id: uuid.UUID
    counterparty_id: uuid.UUID  # primary: the distributor; secondary and tertiary: the retailer
    counterparty_code: str
    counterparty_name: str
    quantity: int  # units of this batch in the order
    consumer_name: str = ""  # tertiary only
    consumer_phone: str = ""  # tertiary only


@dataclass(frozen=True)
class BatchTrace:
    batch: TracedBatch
    production: list[TracedProduction]
    locations: list[TracedLocation]
    orders: list[TracedOrder]

    @property
    def produced(self) -> int:
        """Good units made, net of reversals."""
        return sum(p.good_qty for p in self.production)

    @property
    def on_hand(self) -> int:
        """Units of the batch still in tracked stock, all locations together."""
        return sum(loc.on_hand for loc in self.locations)

    def orders_of(self, level: OrderLevel) -> list[TracedOrder]:
        return [o for o in self.orders if o.level == level]


def find_batches(session: Session, *, batch_code: str) -> list[TracedBatch]:
    """Every batch printed with ``batch_code`` (one per product that uses the code)."""
    code = _code(batch_code)
    return [_batch(r) for r in trace_crud.batches_with_code(session, code)]


def trace_batch(session: Session, *, batch_code: str, sku: str | None = None) -> BatchTrace:
    """The full trace of one batch. A code used by several products needs the SKU as well."""
    code = _code(batch_code)
    rows = trace_crud.batches_with_code(session, code)
    if not rows:
        raise NotFound(f"no batch with code {code}", field="batch_code")
    if sku is not None and sku.strip():
        wanted = sku.strip().lower()
        rows = [r for r in rows if r["sku_key"] == wanted]
        if not rows:
            raise NotFound(f"product {sku.strip()} has no batch {code}", field="sku")
    if len(rows) > 1:
        skus = ", ".join(r["sku"] for r in rows)
        raise DomainError(
            f"batch code {code} is used by {len(rows)} products ({skus}): give the SKU to "
            "trace one of them",
            field="sku",
        )
    batch = _batch(rows[0])

    production = [
        TracedProduction(**r) for r in trace_crud.production_rows(session, batch_id=batch.id)
    ]

    locations: dict[uuid.UUID, TracedLocation] = {}
    for r in trace_crud.ledger_rows(session, batch_id=batch.id):
        loc = locations.get(r["location_id"])
        if loc is None:
            loc = locations[r["location_id"]] = TracedLocation(
                location_id=r["location_id"],
                code=r["location_code"],
                name=r["location_name"],
                kind=r["location_kind"],
                site_code=r["site_code"],
            )
        loc.movements.append(
            TracedMovement(
                entry_id=r["entry_id"],
                quantity=r["quantity"],
                balance_after=r["balance_after"],
                voucher_type=r["voucher_type"],
                voucher_id=r["voucher_id"],
                voucher_no=r["voucher_no"],
                created_at=r["created_at"],
            )
        )

    orders: list[TracedOrder] = []
    for level, spec in LEVELS.items():
        extra = ("consumer_name", "consumer_phone") if level == OrderLevel.TERTIARY else ()
        for r in trace_crud.order_rows(
            session,
            model=spec.model,
            line_model=spec.line_model,
            counterparty_field=spec.counterparty_field,
            batch_id=batch.id,
            extra_fields=extra,
        ):
            orders.append(
                TracedOrder(
                    level=level,
                    **{k: r[k] for k in r if k != "quantity"},
                    quantity=int(r["quantity"]),
                )
            )
    return BatchTrace(
        batch=batch, production=production, locations=list(locations.values()), orders=orders
    )


def _code(batch_code: str) -> str:
    try:
        code = check_batch_code(batch_code)
    except ValueError as exc:
        raise DomainError(str(exc), field="batch_code") from None
    if code is None:
        raise DomainError("a batch code is required", field="batch_code")
    return code


def _batch(row: RowMapping) -> TracedBatch:
    return TracedBatch(**{k: v for k, v in row.items() if k != "sku_key"})
