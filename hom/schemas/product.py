"""Products in and out.

Prices are exact: ``Decimal`` above zero with at most two decimal places (paise, cents); a value
that would need rounding is refused rather than silently changed. Rules that involve several
fields (price ordering, shelf life of batch-tracked products) are checked by the products
service, because an update only carries the fields it changes.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, field_validator

from hom.schemas.base import PublicSchema, Schema, SyncedRowSync
from hom.schemas.gst import GstRate, HsnCode

MAX_PRICE = Decimal("10000000")
MAX_PACK_SIZE = 100_000
MAX_SHELF_LIFE_DAYS = 36_500
MAX_REORDER_LEVEL = 10_000_000
_CENT = Decimal("0.01")
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")


def check_sku(value: str) -> str:
    """SKUs are kept as typed (trimmed); they are compared case-insensitively elsewhere."""
    if not _SKU.match(value):
        raise ValueError(
            "must be 1 to 40 characters: letters, digits, '-', '_', '.' or '/', "
            "starting with a letter or digit"
        )
    return value


def check_price(value: Decimal) -> Decimal:
    """More than zero, at most two decimal places, returned at exactly two places."""
    if not value.is_finite():
        raise ValueError("must be a number")
    if value <= 0:
        raise ValueError("must be more than 0")
    if value > MAX_PRICE:
        raise ValueError(f"must be at most {MAX_PRICE}")
    rounded = value.quantize(_CENT)
    if rounded != value:
        raise ValueError(f"must have at most 2 decimal places (got {value})")
    return rounded


def _not_cleared(value: Any) -> Any:
    if value is None:
        raise ValueError("cannot be cleared")
    return value


Sku = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(check_sku)]


def check_price_text(value: Any) -> Any:
    """A decimal comma ("45,50") is a common way to type a price: say how to write it instead of
    pydantic's generic "not a valid decimal" (and never guess between 45.50 and 4,550)."""
    if isinstance(value, str) and "," in value:
        raise ValueError(
            f"use a point for decimals and no thousands separator, e.g. 45.50 (got {value!r})"
        )
    return value


Price = Annotated[Decimal, BeforeValidator(check_price_text), AfterValidator(check_price)]
ProductName = Annotated[str, Field(min_length=1, max_length=160)]
Category = Annotated[str, Field(max_length=80)]
Unit = Annotated[str, Field(min_length=1, max_length=16)]
PackSize = Annotated[int, Field(ge=1, le=MAX_PACK_SIZE, description="units per case")]
ShelfLife = Annotated[int, Field(gt=0, le=MAX_SHELF_LIFE_DAYS)]
ReorderLevel = Annotated[int, Field(ge=0, le=MAX_REORDER_LEVEL)]

PRICE_FIELDS = ("mrp", "distributor_price", "retailer_price")


class ProductCreate(Schema):
    sku: Sku
    name: ProductName
    category: Category = ""
    brand: Category = ""
    unit: Unit = "pcs"
    pack_size: PackSize = 1
    mrp: Price
    distributor_price: Price
    retailer_price: Price
    active: bool = True
    track_batches: bool = False
    shelf_life_days: ShelfLife | None = Field(
        default=None, description="days from manufacture to expiry; required with track_batches"
    )
    reorder_level: ReorderLevel = 0
    hsn_code: HsnCode = Field(default="", max_length=8, description="4, 6 or 8 digits")
    gst_rate: GstRate = Field(default=None, description="percent, one of the GST slabs")


class ProductUpdate(Schema):
    """Only the fields given change; ``shelf_life_days=None`` given explicitly clears it."""

    sku: Sku | None = None
    name: ProductName | None = None
    category: Category | None = None
    brand: Category | None = None
    unit: Unit | None = None
    pack_size: PackSize | None = None
    mrp: Price | None = None
    distributor_price: Price | None = None
    retailer_price: Price | None = None
    active: bool | None = None
    track_batches: bool | None = None
    shelf_life_days: ShelfLife | None = None
    reorder_level: ReorderLevel | None = None
    hsn_code: HsnCode | None = Field(default=None, max_length=8)
    gst_rate: GstRate = None

    _required = field_validator(
        "sku",
        "name",
        "category",
        "brand",
        "unit",
        "pack_size",
        "mrp",
        "distributor_price",
        "retailer_price",
        "active",
        "track_batches",
        "reorder_level",
        "hsn_code",
    )(_not_cleared)


class ProductPublic(PublicSchema):
    id: uuid.UUID
    sku: str
    name: str
    category: str
    brand: str
    unit: str
    pack_size: int
    mrp: Decimal
    distributor_price: Decimal
    retailer_price: Decimal
    active: bool
    track_batches: bool
    shelf_life_days: int | None
    reorder_level: int
    hsn_code: str
    gst_rate: Decimal | None


class ProductSync(SyncedRowSync):
    """A product with its prices (a price change travels as a new snapshot of the product)."""

    sku: str
    name: str
    category: str
    brand: str
    unit: str
    pack_size: int
    mrp: Decimal
    distributor_price: Decimal
    retailer_price: Decimal
    active: bool
    track_batches: bool
    shelf_life_days: int | None = None
    reorder_level: int
    hsn_code: str = ""
    gst_rate: Decimal | None = None
