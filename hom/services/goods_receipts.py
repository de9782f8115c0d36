"""Goods receipts: how a primary order's goods arrive in the distributor's stock point.

A primary order is the seller's row: only the seller's site writes it. The delivery is the
buyer's own document, a goods receipt written by the site owning the distributor's stock point
(the buyer's site, ``hom.sync.ownership``). It references the order and its dispatch (the
DISPATCH ledger entries, voucher = the order), lists per product and batch what was dispatched,
what was received and what arrived damaged, and posts RECEIPT ledger entries (voucher = the
receipt) for the received quantities into the stock point, in the same transaction.

The seller's order becomes delivered only once its receipt exists (``orders.deliver`` and
``orders.deliver_received``). When the receiving site also writes the order (a depot keeping
its distributor's stock, or a single store running alone), ``receive_primary`` marks the order
delivered in the same transaction: that is one clerk's one action, and the one-writer rule
holds, since the same site writes both rows. Elsewhere the seller's installation does it when
the receipt arrives through sync (``orders.deliver_received`` after a pull).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hom.core.clock import moment_on, utcnow, zone
from hom.core.errors import DomainError, Duplicate, IllegalTransition, NotFound, WrongSite
from hom.core.text import grouped
from hom.crud import goods_receipts as receipts_crud
from hom.crud import inventory as inventory_crud
from hom.crud import orders as orders_crud
from hom.crud import product as product_crud
from hom.crud import production as production_crud
from hom.crud import site as site_crud
from hom.models.enums import OrderStatus, VoucherType
from hom.models.goods_receipt import GoodsReceipt, GoodsReceiptLine
from hom.models.sales_primary import PrimaryOrder
from hom.models.site import StockLocation
from hom.schemas.base import Schema, validate
from hom.schemas.goods_receipts import (
    GoodsReceiptIn,
    ReceiptLineIn,
    ReceivableLine,
    ReceivableOrder,
)
from hom.services import audit, orders, sites, stock
from hom.services.context import ActorContext
from hom.services.permissions import require
from hom.sync import changelog
from hom.sync import entities as E

DOC_TYPE = "GR"
MIN_REASON = 3

Key = tuple[uuid.UUID, uuid.UUID | None]  # product, batch


@dataclass(frozen=True)
class _Receivable:
    """A primary order this installation may receive, with what its dispatch sent."""

    order: PrimaryOrder
    location: StockLocation
    dispatched: dict[Key, int]  # in dispatch order


def receivable(session: Session, *, ctx: ActorContext, order_id: uuid.UUID) -> list[ReceivableLine]:
    """What the order's dispatch sent, per product and batch (with the batch's expiry), from its
    DISPATCH ledger entries: the lines a receipt dialog shows. Empty when nothing was
    dispatched (or its entries have not arrived yet)."""
    require(ctx, "stock.view")
    order = _order(session, order_id)
    return _lines_of(session, _dispatched(session, order))


def receivable_order(
    session: Session, *, ctx: ActorContext, order_id: uuid.UUID
) -> ReceivableOrder:
    """The order as a receipt dialog shows it, with its dispatched lines and, in ``refusal``,
    what ``receive_primary`` would refuse before looking at any line (so the clerk hears it
    before typing anything)."""
    require(ctx, "stock.view")
    order = _order(session, order_id)
    distributor = orders_crud.get_party(session, order.distributor_id)
    locations = site_crud.get_locations(
        session, [order.seller_location_id, order.buyer_location_id]
    )
    seller, point = locations[order.seller_location_id], locations[order.buyer_location_id]
    refusal = ""
    try:
        require(ctx, "stock.receive")
        _receivable(session, ctx=ctx, order_id=order_id)
    except DomainError as exc:
        refusal = exc.message
    return ReceivableOrder(
        order_id=order.id,
        order_number=order.number,
        status=order.status.value,
        dispatched_at=order.dispatched_at,
        distributor_code=distributor.code if distributor else "",
        distributor_name=distributor.name if distributor else "",
        seller_location_code=seller.code,
        stock_point_code=point.code,
        stock_point_name=point.name,
        lines=_lines_of(session, _dispatched(session, order)),
        refusal=refusal,
    )


def receive_primary(
    session: Session,
    *,
    ctx: ActorContext,
    order_id: uuid.UUID,
    lines: Sequence[ReceiptLineIn | dict[str, Any]] = (),
    reason: str = "",
    on: date | None = None,
) -> GoodsReceipt:
    """Receive a dispatched primary order into the distributor's stock point.

    Only the buyer's site (the site owning the order's stock point) receives, once, an order
    that is dispatched and whose dispatch entries are here. ``lines`` are empty (everything
    dispatched arrived) or give one line per dispatched product and batch: ``received_qty``
    goes into saleable stock as a RECEIPT ledger entry; ``damaged_qty`` is recorded on the
    receipt only and is NOT added to saleable stock; received + damaged may not exceed what was
    dispatched, and less than dispatched (short or damaged) needs a reason, the line's own or
    the receipt's ``reason``. ``on`` is the business date received (default today on the
    buyer's calendar; not before the dispatch, not in the future).

    Everything is checked before the first write: a refusal writes nothing. When this site also
    writes the order, the order is marked delivered in the same transaction (module docstring).
    """
    require(ctx, "stock.receive")
    data = validate(
        GoodsReceiptIn,
        {
            "order_id": order_id,
            "reason": reason,
            "lines": [ln.model_dump() if isinstance(ln, Schema) else ln for ln in lines],
        },
    )
    found = _receivable(session, ctx=ctx, order_id=data.order_id)
    order, location = found.order, found.location
    day, received_at = _when(session, ctx=ctx, order=order, on=on)
    built = _build_lines(session, found, data)

    site = site_crud.get_site(session, location.site_id)
    assert site is not None  # a foreign key guarantees it
    n = site_crud.next_sequence_value(session, site_id=site.id, doc_type=DOC_TYPE, year=day.year)
    receipt = GoodsReceipt(
        number=f"{site.code}-{DOC_TYPE}-{day.year}-{n:06d}",
        site_id=site.id,
        order_id=order.id,
        dispatch_no=order.number,
        location_id=location.id,
        received_at=received_at,
        business_date=day,
        reason=data.reason,
        version=1,
        created_by=ctx.user_id,
        installation_id=ctx.installation_id,
        lines=built,
    )
    number = order.number  # read before the flush: a failed flush leaves the object unusable
    try:
        receipts_crud.add(session, receipt)
    except IntegrityError:
        # Another clerk received the same order meanwhile (PostgreSQL: the unique order_id
        # waited for that transaction): nothing of this receipt stands.
        raise Duplicate(
            f"order {number} was received by another user meanwhile: reload it",
            field="order_id",
        ) from None
    # The receipt is queued before its ledger entries, which name it as their voucher.
    changelog.queue(session, ctx=ctx, entity=E.GOODS_RECEIPTS, rows=[receipt], operation="insert")
    movements = [
        stock.Movement(location.id, ln.product_id, ln.received_qty, ln.batch_id)
        for ln in built
        if ln.received_qty > 0
    ]
    if movements:
        stock.post(
            session,
            ctx=ctx,
            movements=movements,
            voucher_type=VoucherType.RECEIPT,
            voucher_id=receipt.id,
            voucher_no=receipt.number,
            reason=f"goods receipt of {order.number}",
        )
    received = sum(ln.received_qty for ln in built)
    damaged = sum(ln.damaged_qty for ln in built)
    dispatched = sum(ln.dispatched_qty for ln in built)
    audit.record(
        session,
        ctx=ctx,
        action="goods_receipt.create",
        entity=E.GOODS_RECEIPTS,
        entity_id=receipt.id,
        summary=f"{receipt.number} received {order.number} into {location.code}: "
        f"{grouped(received)} received, {grouped(damaged)} damaged, "
        f"{grouped(dispatched - received - damaged)} short of {grouped(dispatched)} dispatched",
    )
    if order.site_id == ctx.site_id:
        orders.deliver_received(session, ctx=ctx)
    return receipt


def get_for_order(
    session: Session, *, order_id: uuid.UUID, ctx: ActorContext | None = None
) -> GoodsReceipt | None:
    """The order's goods receipt, if it has one. With ``ctx`` the actor needs ``stock.view``."""
    if ctx is not None:
        require(ctx, "stock.view")
    return receipts_crud.for_order(session, order_id)


# --- checks -------------------------------------------------------------------------------


def _order(session: Session, order_id: uuid.UUID) -> PrimaryOrder:
    order = orders_crud.get_order(session, PrimaryOrder, order_id)
    if order is None:
        raise NotFound(f"unknown primary order {order_id}", field="order_id")
    return order


def _dispatched(session: Session, order: PrimaryOrder) -> dict[Key, int]:
    """What the order's dispatch took out, per product and batch, in posting order."""
    sent: dict[Key, int] = {}
    for e in inventory_crud.ledger_for_voucher(session, voucher_id=order.id):
        if e.voucher_type == VoucherType.DISPATCH:
            key = (e.product_id, e.batch_id)
            sent[key] = sent.get(key, 0) - e.quantity
    return {k: q for k, q in sent.items() if q > 0}


def _receivable(session: Session, *, ctx: ActorContext, order_id: uuid.UUID) -> _Receivable:
    """The refusals of a receipt that do not depend on its lines, in order: this installation
    writes for a site, the order exists, this site owns its stock point, it is not received
    yet, it is dispatched, and its dispatch entries are here."""
    if ctx.site_id is None:
        raise WrongSite(
            "this installation is read-only (it writes for no site): goods are received by "
            "the site owning the distributor's stock point",
            field="order_id",
        )
    order = _order(session, order_id)
    location = site_crud.get_location(session, order.buyer_location_id)
    assert location is not None  # a foreign key guarantees it
    if location.site_id != ctx.site_id:
        owner = site_crud.get_site(session, location.site_id)
        raise WrongSite(
            f"order {order.number} is received into {location.code}, which belongs to "
            f"{owner.code if owner else 'another site'}: only that site's installation writes "
            "its goods receipt",
            field="order_id",
        )
    existing = receipts_crud.for_order(session, order.id)
    if existing is not None:
        raise Duplicate(
            f"order {order.number} was received already (goods receipt {existing.number}): "
            "an order is received once",
            field="order_id",
        )
    if order.status != OrderStatus.DISPATCHED:
        raise IllegalTransition(
            f"order {order.number} is {order.status.value}: only a dispatched order can be "
            "received",
            field="order_id",
        )
    dispatched = _dispatched(session, order)
    if not dispatched:
        raise DomainError(
            f"no dispatch entries of order {order.number} are in this store: its stock has "
            "not arrived here yet (it comes through sync); receive it once it has",
            field="order_id",
        )
    return _Receivable(order, location, dispatched)


def _when(
    session: Session, *, ctx: ActorContext, order: PrimaryOrder, on: date | None
) -> tuple[date, datetime]:
    """The receipt's business date on the buyer's calendar, and its moment in UTC."""
    zone_name = sites.time_zone(session, ctx.site_id)
    today = sites.today(session, site_id=ctx.site_id)
    day = on or today
    if day > today:
        raise DomainError(
            f"receipt date {day.isoformat()} is in the future: record a receipt when the goods "
            "arrive",
            field="on",
        )
    if order.dispatched_at is not None:
        dispatched_on = order.dispatched_at.astimezone(zone(zone_name)).date()
        if day < dispatched_on:
            raise DomainError(
                f"receipt date {day.isoformat()} is before order {order.number} was dispatched "
                f"({dispatched_on.isoformat()})",
                field="on",
            )
    return day, (utcnow() if day == today else moment_on(day, zone_name))


def _build_lines(
    session: Session, found: _Receivable, data: GoodsReceiptIn
) -> list[GoodsReceiptLine]:
    """The receipt's lines, one per dispatched product and batch, checked against the dispatch."""
    dispatched = found.dispatched
    if not data.lines:
        return [
            GoodsReceiptLine(
                line_no=i + 1,
                product_id=pid,
                batch_id=bid,
                dispatched_qty=qty,
                received_qty=qty,
                damaged_qty=0,
                reason="",
            )
            for i, ((pid, bid), qty) in enumerate(dispatched.items())
        ]
    products = product_crud.get_many(session, (pid for pid, _ in dispatched))
    batches = production_crud.get_batches(session, (bid for _, bid in dispatched if bid))
    given: dict[Key, tuple[int, ReceiptLineIn]] = {}
    for index, line in enumerate(data.lines):
        key = (line.product_id, line.batch_id)
        if key not in dispatched:
            raise NotFound(
                f"{_what(key, products, batches)} was not dispatched on order "
                f"{found.order.number}: a receipt lists what its dispatch sent",
                field=f"lines.{index}.{'batch_id' if line.batch_id else 'product_id'}",
            )
        if key in given:
            raise DomainError(
                f"{_what(key, products, batches)} is listed twice (also line {given[key][0] + 1})",
                field=f"lines.{index}.product_id",
            )
        given[key] = (index, line)
    missing = [k for k in dispatched if k not in given]
    if missing:
        raise DomainError(
            f"{_what(missing[0], products, batches)} was dispatched but has no line: list every "
            "dispatched product and batch, or none to receive everything",
            field="lines",
        )
    built = []
    for line_no, (key, sent) in enumerate(dispatched.items(), start=1):
        index, line = given[key]
        where = f"lines.{index}"
        what = _what(key, products, batches)
        if line.received_qty + line.damaged_qty > sent:
            raise DomainError(
                f"{what}: {grouped(line.received_qty)} received and {grouped(line.damaged_qty)} "
                f"damaged is more than the {grouped(sent)} dispatched",
                field=f"{where}.received_qty",
            )
        line_reason = line.reason or data.reason
        if line.received_qty < sent and len(line_reason) < MIN_REASON:
            short = sent - line.received_qty - line.damaged_qty
            told = ", ".join(
                part
                for part in (
                    f"{grouped(short)} short" if short else "",
                    f"{grouped(line.damaged_qty)} damaged" if line.damaged_qty else "",
                )
                if part
            )
            raise DomainError(
                f"{what}: {grouped(line.received_qty)} of {grouped(sent)} received ({told}): "
                f"give a reason (at least {MIN_REASON} characters)",
                field=f"{where}.reason",
            )
        built.append(
            GoodsReceiptLine(
                line_no=line_no,
                product_id=key[0],
                batch_id=key[1],
                dispatched_qty=sent,
                received_qty=line.received_qty,
                damaged_qty=line.damaged_qty,
                reason=line_reason if line.received_qty < sent else "",
            )
        )
    return built


def _what(key: Key, products, batches) -> str:
    product = products.get(key[0])
    name = product.sku if product is not None else str(key[0])
    if key[1] is None:
        return name
    batch = batches.get(key[1])
    return f"{name} batch {batch.code if batch is not None else key[1]}"


def _lines_of(session: Session, dispatched: dict[Key, int]) -> list[ReceivableLine]:
    products = product_crud.get_many(session, (pid for pid, _ in dispatched))
    batches = production_crud.get_batches(session, (bid for _, bid in dispatched if bid))
    rows = []
    for (pid, bid), qty in dispatched.items():
        product = products[pid]
        batch = batches.get(bid) if bid else None
        rows.append(
            ReceivableLine(
                product_id=pid,
                sku=product.sku,
                product_name=product.name,
                batch_id=bid,
                batch_code=batch.code if batch else "",
                expires_on=batch.expires_on if batch else None,
                dispatched_qty=qty,
            )
        )
    return rows
