"""Goods receipts: the buyer's document for a primary order's delivery.

A primary order is the seller's row (only the seller's site writes it). What arrives at the
distributor's stock point is the buyer's own document, written by the site owning that stock
point: it references the order and its dispatch (the DISPATCH ledger entries carry the order's
number), and lists per product and batch what was dispatched, what was received into saleable
stock and what arrived damaged. Its RECEIPT ledger entries move the received quantities.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hom.models.base import Base, IdMixin, SyncedMixin, UTCDateTime


class GoodsReceipt(SyncedMixin, Base):
    __tablename__ = "goods_receipts"

    number: Mapped[str] = mapped_column(String(40), unique=True)
    #: The buyer's site: the site owning the receiving stock point (its installation writes it).
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    #: One receipt per primary order.
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("primary_orders.id"), unique=True)
    #: The dispatch it receives: the voucher number its DISPATCH ledger entries carry.
    dispatch_no: Mapped[str] = mapped_column(String(40))
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stock_locations.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    business_date: Mapped[date] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    lines: Mapped[list[GoodsReceiptLine]] = relationship(
        order_by="GoodsReceiptLine.line_no", cascade="all, delete-orphan", lazy="selectin"
    )


class GoodsReceiptLine(IdMixin, Base):
    __tablename__ = "goods_receipt_lines"
    __table_args__ = (
        CheckConstraint("dispatched_qty >= 0", name="dispatched_not_negative"),
        CheckConstraint("received_qty >= 0", name="received_not_negative"),
        CheckConstraint("damaged_qty >= 0", name="damaged_not_negative"),
        CheckConstraint(
            "received_qty + damaged_qty <= dispatched_qty", name="not_more_than_dispatched"
        ),
    )

    receipt_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("goods_receipts.id", ondelete="CASCADE"), index=True
    )
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    batch_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("batches.id"), index=True, default=None
    )
    dispatched_qty: Mapped[int] = mapped_column(Integer)
    received_qty: Mapped[int] = mapped_column(Integer)
    damaged_qty: Mapped[int] = mapped_column(Integer, default=0)
    #: Why less than dispatched went into stock (short or damaged); empty when all arrived.
    reason: Mapped[str] = mapped_column(String(200), default="")
