"""The append-only stock ledger and the balance table kept beside it in the same transaction.

The ledger is the truth; the balance is its running sum per location, product and batch, so a
current-stock lookup is an index probe whatever the ledger's length. ``verify`` proves they agree.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from hom.core.clock import utcnow
from hom.models.base import Base, IdMixin, OriginMixin, UTCDateTime
from hom.models.enums import VoucherType, enum_column


class StockLedgerEntry(IdMixin, OriginMixin, Base):
    __tablename__ = "stock_ledger"
    __table_args__ = (
        Index("ix_stock_ledger_location_product", "location_id", "product_id", "created_at"),
        # The ledger view's order (newest first, id breaking ties) straight off the index.
        Index("ix_stock_ledger_location_created", "location_id", "created_at", "id"),
        # The dashboard's outflow per location over a period, answered from the index alone.
        Index(
            "ix_stock_ledger_voucher_created",
            "voucher_type",
            "created_at",
            "location_id",
            "quantity",
        ),
    )

    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stock_locations.id"))
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    batch_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("batches.id"), index=True, default=None
    )
    quantity: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    voucher_type: Mapped[VoucherType] = mapped_column(enum_column(VoucherType, "voucher_type"))
    voucher_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    voucher_no: Mapped[str] = mapped_column(String(40), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StockBalance(IdMixin, Base):
    __tablename__ = "stock_balances"
    __table_args__ = (
        Index("uq_stock_balances_key", "location_id", "product_id", "batch_id", unique=True),
        Index(
            "uq_stock_balances_key_nobatch",
            "location_id",
            "product_id",
            unique=True,
            sqlite_where=text("batch_id IS NULL"),
            postgresql_where=text("batch_id IS NULL"),
        ),
        Index("ix_stock_balances_product", "product_id", "location_id", "quantity"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stock_locations.id"))
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("batches.id"), default=None)
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
