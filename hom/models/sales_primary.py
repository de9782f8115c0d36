"""Primary orders: the company's depot or factory sells to a distributor."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hom.models.base import Base
from hom.models.order_base import OrderHeaderMixin, OrderLineMixin


class PrimaryOrder(OrderHeaderMixin, Base):
    __tablename__ = "primary_orders"

    seller_location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stock_locations.id"))
    distributor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parties.id"), index=True)
    buyer_location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stock_locations.id"))
    lines: Mapped[list[PrimaryOrderLine]] = relationship(
        order_by="PrimaryOrderLine.line_no", cascade="all, delete-orphan", lazy="selectin"
    )


class PrimaryOrderLine(OrderLineMixin, Base):
    __tablename__ = "primary_order_lines"

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("primary_orders.id", ondelete="CASCADE"), index=True
    )
