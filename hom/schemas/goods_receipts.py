"""Goods receipts in and out: what the buyer's site received of a primary order's dispatch."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field, model_validator

from hom.schemas.base import PublicSchema, Schema, SyncedRowSync, SyncSchema
from hom.schemas.inventory import MAX_QUANTITY
from hom.schemas.orders import MAX_LINES


class ReceiptLineIn(Schema):
    """What arrived of one dispatched product and batch. Received goes into saleable stock;
    damaged is recorded on the receipt only. Less than dispatched needs a reason."""

    product_id: uuid.UUID
    batch_id: uuid.UUID | None = None
    received_qty: int = Field(ge=0, le=MAX_QUANTITY, description="units received into stock")
    damaged_qty: int = Field(default=0, ge=0, le=MAX_QUANTITY, description="units damaged")
    reason: str = Field(default="", max_length=200, description="why short or damaged")


class GoodsReceiptIn(Schema):
    order_id: uuid.UUID
    lines: list[ReceiptLineIn] = Field(default_factory=list, max_length=MAX_LINES)
    reason: str = Field(default="", max_length=200)


class ReceivableLine(PublicSchema):
    """One dispatched product and batch of an order, as a receipt dialog shows it."""

    product_id: uuid.UUID
    sku: str
    product_name: str
    batch_id: uuid.UUID | None = None
    batch_code: str = ""
    expires_on: date | None = None
    dispatched_qty: int


class ReceivableOrder(PublicSchema):
    """A dispatched primary order as a receipt dialog shows it: the order, where it came from,
    the stock point it goes into, what was dispatched, and why this store may not receive it
    (``refusal``; empty when it may)."""

    order_id: uuid.UUID
    order_number: str
    status: str
    dispatched_at: datetime | None = None
    distributor_code: str
    distributor_name: str
    seller_location_code: str
    stock_point_code: str
    stock_point_name: str
    lines: list[ReceivableLine]
    refusal: str = ""


class GoodsReceiptLineSync(SyncSchema):
    id: uuid.UUID
    line_no: int
    product_id: uuid.UUID
    batch_id: uuid.UUID | None = None
    dispatched_qty: int = Field(ge=0)
    received_qty: int = Field(ge=0)
    damaged_qty: int = Field(ge=0)
    reason: str

    @model_validator(mode="after")
    def _within_dispatched(self) -> GoodsReceiptLineSync:
        if self.received_qty + self.damaged_qty > self.dispatched_qty:
            raise ValueError("received_qty + damaged_qty is more than dispatched_qty")
        return self


class GoodsReceiptSync(SyncedRowSync):
    """A goods receipt as the change log carries it: the order and dispatch it receives, the
    buyer's site and stock point, and every line, so the receiver applies it on its own. Its
    stock arrives as the RECEIPT ledger entries (voucher = this receipt), each its own change."""

    number: str
    site_id: uuid.UUID
    order_id: uuid.UUID
    dispatch_no: str
    location_id: uuid.UUID
    received_at: datetime
    business_date: date
    reason: str
    version: int
    lines: list[GoodsReceiptLineSync] = Field(min_length=1, max_length=MAX_LINES)
