"""Daily production in, production log rows out."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime

from pydantic import Field, field_validator

from hom.models.enums import Shift
from hom.schemas.base import PublicSchema, Schema, SyncedRowSync
from hom.schemas.inventory import MAX_QUANTITY

_BATCH_CODE = re.compile(r"^[A-Z0-9][A-Z0-9/._-]{0,39}$")


def check_batch_code(value: str | None) -> str | None:
    """Batch codes are printed on packs and typed back in for a recall, so they are kept in one
    canonical form: upper case, letters, digits and ``/ . _ -``. Empty means no batch."""
    if value is None:
        return None
    value = value.strip().upper()
    if not value:
        return None
    if not _BATCH_CODE.match(value):
        raise ValueError("must be 1 to 40 characters: letters, digits, '/', '.', '_' or '-'")
    return value


class ProductionLogCreate(Schema):
    """One line of a factory's daily production sheet."""

    site_id: uuid.UUID | None = Field(
        default=None, description="the factory; None means this installation's own site"
    )
    production_date: date
    shift: Shift
    product_id: uuid.UUID
    batch_code: str | None = Field(default=None, description="required for batch-tracked products")
    good_qty: int = Field(ge=0, le=MAX_QUANTITY, description="units passed to finished goods")
    rejected_qty: int = Field(default=0, ge=0, le=MAX_QUANTITY, description="units scrapped")
    remarks: str = Field(default="", max_length=300)

    _batch = field_validator("batch_code")(check_batch_code)


class ProductionReversal(Schema):
    """Why a posted log is being undone (the log itself is never edited)."""

    reason: str = Field(min_length=3, max_length=200)


class ProductionLogPublic(PublicSchema):
    id: uuid.UUID
    site_id: uuid.UUID
    location_id: uuid.UUID
    production_date: date
    shift: Shift
    product_id: uuid.UUID
    batch_id: uuid.UUID | None
    good_qty: int
    rejected_qty: int
    remarks: str
    reverses_id: uuid.UUID | None
    created_at: datetime
    created_by: uuid.UUID | None


class ProductionLogRow(PublicSchema):
    """A log row as a day sheet or a list shows it: names resolved, reversal marked."""

    id: uuid.UUID
    site_id: uuid.UUID
    production_date: date
    shift: Shift
    product_id: uuid.UUID
    sku: str
    product_name: str
    batch_id: uuid.UUID | None
    batch_code: str | None
    good_qty: int
    rejected_qty: int
    remarks: str
    reverses_id: uuid.UUID | None
    reversed: bool = Field(description="a later log reverses this one")
    created_at: datetime

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


class BatchSync(SyncedRowSync):
    product_id: uuid.UUID
    code: str
    factory_site_id: uuid.UUID | None = None
    manufactured_on: date | None = None
    expires_on: date | None = None


class ProductionLogSync(SyncedRowSync):
    site_id: uuid.UUID
    location_id: uuid.UUID
    production_date: date
    shift: Shift
    product_id: uuid.UUID
    batch_id: uuid.UUID | None = None
    good_qty: int
    rejected_qty: int
    remarks: str
    reverses_id: uuid.UUID | None = None
