"""Tertiary orders: a retailer's sell-out to consumers.

Retailers rarely keep a tracked stock point, so the seller location is optional: without one the
order records the sale (and the batch, for recalls) without a ledger movement.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hom.models.base import Base
from hom.models.order_base import OrderHeaderMixin, OrderLineMixin


class TertiaryOrder(OrderHeaderMixin, Base):
    __tablename__ = "tertiary_orders"

    retailer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parties.id"), index=True)
    seller_location_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("stock_locations.id"), default=None
    )
    consumer_name: Mapped[str] = mapped_column(String(120), default="")
    consumer_phone: Mapped[str] = mapped_column(String(32), default="")
    lines: Mapped[list[TertiaryOrderLine]] = relationship(
        order_by="TertiaryOrderLine.line_no", cascade="all, delete-orphan", lazy="selectin"
    )


class TertiaryOrderLine(OrderLineMixin, Base):
    __tablename__ = "tertiary_order_lines"

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tertiary_orders.id", ondelete="CASCADE"), index=True
    )
