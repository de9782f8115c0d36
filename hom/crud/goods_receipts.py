"""SQL for goods receipts: add one, find a primary order's receipt, and the dispatched orders of
a site whose receipt has arrived. No rules here: ``hom.services.goods_receipts`` decides."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hom.models.enums import OrderStatus
from hom.models.goods_receipt import GoodsReceipt
from hom.models.sales_primary import PrimaryOrder


def add(session: Session, receipt: GoodsReceipt) -> GoodsReceipt:
    session.add(receipt)
    session.flush()
    return receipt


def get(session: Session, receipt_id: uuid.UUID) -> GoodsReceipt | None:
    return session.get(GoodsReceipt, receipt_id)


def for_order(session: Session, order_id: uuid.UUID) -> GoodsReceipt | None:
    return session.scalar(select(GoodsReceipt).where(GoodsReceipt.order_id == order_id))


def received_dispatched_orders(
    session: Session, *, site_id: uuid.UUID
) -> list[tuple[PrimaryOrder, str, datetime]]:
    """The site's DISPATCHED primary orders that have a goods receipt, with the receipt's number
    and when it was received, oldest order first."""
    stmt = (
        select(PrimaryOrder, GoodsReceipt.number, GoodsReceipt.received_at)
        .join(GoodsReceipt, GoodsReceipt.order_id == PrimaryOrder.id)
        .where(PrimaryOrder.site_id == site_id, PrimaryOrder.status == OrderStatus.DISPATCHED)
        .order_by(PrimaryOrder.order_date, PrimaryOrder.number)
    )
    return [(order, number, at) for order, number, at in session.execute(stmt)]
