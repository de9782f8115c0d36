"""Stock movements in and ledger rows out."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field, model_validator

from hom.models.enums import VoucherType
from hom.schemas.base import PublicSchema, Schema, SyncSchema

MAX_QUANTITY = 10_000_000


class TransferCreate(Schema):
    from_location_id: uuid.UUID
    to_location_id: uuid.UUID
    product_id: uuid.UUID
    batch_id: uuid.UUID | None = None
    quantity: int = Field(gt=0, le=MAX_QUANTITY, description="units moved, more than zero")
    reason: str = Field(min_length=3, max_length=200, description="why the stock moves")

    @model_validator(mode="after")
    def _distinct_locations(self) -> TransferCreate:
        if self.from_location_id == self.to_location_id:
            raise ValueError("to_location_id must differ from from_location_id")
        return self


class StockCountCreate(Schema):
    """A physical count: the difference to the book quantity is posted as an adjustment."""

    location_id: uuid.UUID
    product_id: uuid.UUID
    batch_id: uuid.UUID | None = None
    counted_quantity: int = Field(ge=0, le=MAX_QUANTITY)
    reason: str = Field(min_length=3, max_length=200, description="why the count differs")


class ReceiptCreate(Schema):
    """Stock arriving from outside the system (opening balance, goods received)."""

    location_id: uuid.UUID
    product_id: uuid.UUID
    batch_id: uuid.UUID | None = None
    quantity: int = Field(gt=0, le=MAX_QUANTITY)
    reason: str = Field(default="", max_length=200)


class LedgerEntryPublic(PublicSchema):
    id: uuid.UUID
    location_id: uuid.UUID
    product_id: uuid.UUID
    batch_id: uuid.UUID | None
    quantity: int
    balance_after: int
    voucher_type: VoucherType
    voucher_id: uuid.UUID
    voucher_no: str
    reason: str
    created_at: datetime
    created_by: uuid.UUID | None
    installation_id: uuid.UUID | None


class LedgerEntrySync(SyncSchema):
    """A ledger entry as the change log carries it (an insert; the ledger is never changed)."""

    id: uuid.UUID
    location_id: uuid.UUID
    product_id: uuid.UUID
    batch_id: uuid.UUID | None = None
    quantity: int
    balance_after: int
    voucher_type: VoucherType
    voucher_id: uuid.UUID
    voucher_no: str
    reason: str
    created_at: datetime
    created_by: uuid.UUID | None = None
    installation_id: uuid.UUID | None = None
