"""Orders in and out, for all three levels.

Prices are not part of any input: they come from the product master when the order is written,
so a clerk cannot type a price and two installations price the same order the same way.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from hom.models.enums import OrderLevel, OrderStatus
from hom.schemas.base import PublicSchema, Schema, SyncedRowSync, SyncSchema
from hom.schemas.inventory import MAX_QUANTITY

MAX_LINES = 500  # keeps the largest order total well inside the money column


class OrderLineIn(Schema):
    product_id: uuid.UUID
    quantity: int = Field(gt=0, le=MAX_QUANTITY, description="units, more than zero")
    batch_id: uuid.UUID | None = Field(
        default=None, description="a fixed batch; None lets dispatch allocate first-expiry-first"
    )


class OrderCreateBase(Schema):
    order_date: date | None = Field(default=None, description="None means today")
    notes: str = Field(default="", max_length=500)
    lines: list[OrderLineIn] = Field(min_length=1, max_length=MAX_LINES)


class PrimaryOrderCreate(OrderCreateBase):
    """The company (a depot's or factory's location) sells to a distributor."""

    seller_location_id: uuid.UUID
    distributor_id: uuid.UUID
    buyer_location_id: uuid.UUID | None = Field(
        default=None, description="the distributor's stock point; None picks its only one"
    )


class SecondaryOrderCreate(OrderCreateBase):
    """A distributor sells to one of its retailers from its stock point."""

    distributor_id: uuid.UUID
    retailer_id: uuid.UUID
    seller_location_id: uuid.UUID | None = Field(
        default=None, description="the distributor's stock point; None picks its only one"
    )


class TertiaryOrderCreate(OrderCreateBase):
    """A retailer's sale to a consumer; stock moves only if the retailer has a stock point."""

    retailer_id: uuid.UUID
    seller_location_id: uuid.UUID | None = None
    consumer_name: str = Field(default="", max_length=120)
    consumer_phone: str = Field(default="", max_length=32)


OrderCreate = PrimaryOrderCreate | SecondaryOrderCreate | TertiaryOrderCreate


class OrderLinesReplace(Schema):
    lines: list[OrderLineIn] = Field(min_length=1, max_length=MAX_LINES)


class OrderCancel(Schema):
    reason: str = Field(min_length=3, max_length=200)


class OrderLinePublic(PublicSchema):
    id: uuid.UUID
    line_no: int
    product_id: uuid.UUID
    batch_id: uuid.UUID | None
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    hsn_code: str
    gst_rate: Decimal | None


class OrderPublic(PublicSchema):
    """An order of any level; the fields another level has are None there."""

    id: uuid.UUID
    level: OrderLevel
    number: str
    site_id: uuid.UUID
    order_date: date
    status: OrderStatus
    total_amount: Decimal
    notes: str
    version: int
    seller_location_id: uuid.UUID | None = None
    buyer_location_id: uuid.UUID | None = None
    distributor_id: uuid.UUID | None = None
    retailer_id: uuid.UUID | None = None
    consumer_name: str | None = None
    consumer_phone: str | None = None
    created_at: datetime
    confirmed_at: datetime | None
    dispatched_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    lines: list[OrderLinePublic]


class OrderRow(PublicSchema):
    """One row of an order list: the header with its counterparty's code and name."""

    id: uuid.UUID
    level: OrderLevel
    number: str
    site_id: uuid.UUID
    order_date: date
    status: OrderStatus
    total_amount: Decimal
    version: int
    counterparty_id: uuid.UUID
    counterparty_code: str
    counterparty_name: str
    created_at: datetime


class OrderLineSync(SyncSchema):
    id: uuid.UUID
    line_no: int
    product_id: uuid.UUID
    batch_id: uuid.UUID | None = None
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    hsn_code: str = ""
    gst_rate: Decimal | None = None


class OrderSyncBase(SyncedRowSync):
    """An order as the change log carries it: header, parties, every line with its price, the
    total and the version, so the receiver checks and applies it without the sender's store."""

    number: str
    site_id: uuid.UUID
    order_date: date
    status: OrderStatus
    total_amount: Decimal
    notes: str
    version: int
    confirmed_at: datetime | None = None
    dispatched_at: datetime | None = None
    delivered_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str
    lines: list[OrderLineSync]


class PrimaryOrderSync(OrderSyncBase):
    seller_location_id: uuid.UUID
    distributor_id: uuid.UUID
    buyer_location_id: uuid.UUID


class SecondaryOrderSync(OrderSyncBase):
    distributor_id: uuid.UUID
    seller_location_id: uuid.UUID
    retailer_id: uuid.UUID


class TertiaryOrderSync(OrderSyncBase):
    retailer_id: uuid.UUID
    seller_location_id: uuid.UUID | None = None
    consumer_name: str
    consumer_phone: str
