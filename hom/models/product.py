"""The product master: SKU, pack size, exact prices, batch and expiry tracking."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hom.models.base import Base, Money, Percent, SearchableMixin, SyncedMixin


class Product(SearchableMixin, SyncedMixin, Base):
    __search_fields__ = ("sku", "name")
    __tablename__ = "products"

    sku: Mapped[str] = mapped_column(String(40))
    sku_key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(160), index=True)
    category: Mapped[str] = mapped_column(String(80), default="")
    brand: Mapped[str] = mapped_column(String(80), default="")
    unit: Mapped[str] = mapped_column(String(16), default="pcs")
    pack_size: Mapped[int] = mapped_column(Integer, default=1)
    mrp: Mapped[Decimal] = mapped_column(Money)
    distributor_price: Mapped[Decimal] = mapped_column(Money)
    retailer_price: Mapped[Decimal] = mapped_column(Money)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    track_batches: Mapped[bool] = mapped_column(Boolean, default=False)
    shelf_life_days: Mapped[int | None] = mapped_column(Integer, default=None)
    reorder_level: Mapped[int] = mapped_column(Integer, default=0)
    # GST: the HSN code ("" until classified) and the rate in percent (None until set).
    hsn_code: Mapped[str] = mapped_column(String(8), default="", server_default="")
    gst_rate: Mapped[Decimal | None] = mapped_column(Percent, default=None)
