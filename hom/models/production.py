"""Factories' daily production log and the batches it creates.

A factory is a site of kind ``factory``. A posted log is never edited: a correction is a second
log row that reverses the first (``reverses_id``), posted through the ledger like any movement.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hom.models.base import Base, SyncedMixin
from hom.models.enums import Shift, enum_column


class Batch(SyncedMixin, Base):
    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("product_id", "code"),)

    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    code: Mapped[str] = mapped_column(String(40), index=True)
    factory_site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id"), default=None)
    manufactured_on: Mapped[date | None] = mapped_column(Date, default=None)
    expires_on: Mapped[date | None] = mapped_column(Date, default=None)


class ProductionLog(SyncedMixin, Base):
    __tablename__ = "production_logs"
    __table_args__ = (Index("ix_production_logs_site_date", "site_id", "production_date"),)

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"))
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stock_locations.id"))
    production_date: Mapped[date] = mapped_column(Date)
    shift: Mapped[Shift] = mapped_column(enum_column(Shift, "shift"))
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"), index=True)
    batch_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("batches.id"), index=True, default=None
    )
    good_qty: Mapped[int] = mapped_column(Integer)
    rejected_qty: Mapped[int] = mapped_column(Integer, default=0)
    remarks: Mapped[str] = mapped_column(String(300), default="")
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("production_logs.id"), unique=True, default=None
    )
