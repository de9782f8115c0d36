"""Columns every order header and order line has, whatever its level.

The three levels stay separate tables (their counterparties differ and they sync separately) but
share one shape, so the order service handles them with one set of rules.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from hom.models.base import IdMixin, Money, Percent, SyncedMixin, UTCDateTime
from hom.models.enums import OrderStatus, enum_column


class OrderHeaderMixin(SyncedMixin):
    number: Mapped[str] = mapped_column(String(40), unique=True)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    order_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus, "status"), index=True)
    total_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    notes: Mapped[str] = mapped_column(String(500), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cancel_reason: Mapped[str] = mapped_column(String(200), default="")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # Optimistic concurrency: UPDATE ... WHERE version = <the version read>.
        return {"version_id_col": cls.version}


class OrderLineMixin(IdMixin):
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    batch_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("batches.id"), index=True, default=None
    )
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    line_total: Mapped[Decimal] = mapped_column(Money)
    # GST as the product master said when the order was written (kept if the master changes).
    hsn_code: Mapped[str] = mapped_column(String(8), default="", server_default="")
    gst_rate: Mapped[Decimal | None] = mapped_column(Percent, default=None)
