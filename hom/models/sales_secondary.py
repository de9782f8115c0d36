"""Secondary orders: a distributor sells to a retailer from its stock point."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hom.models.base import Base
from hom.models.order_base import OrderHeaderMixin, OrderLineMixin


class SecondaryOrder(OrderHeaderMixin, Base):
    __tablename__ = "secondary_orders"

    distributor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parties.id"), index=True)
    seller_location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stock_locations.id"))
    retailer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parties.id"), index=True)
    lines: Mapped[list[SecondaryOrderLine]] = relationship(
        order_by="SecondaryOrderLine.line_no", cascade="all, delete-orphan", lazy="selectin"
    )


class SecondaryOrderLine(OrderLineMixin, Base):
    __tablename__ = "secondary_order_lines"

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("secondary_orders.id", ondelete="CASCADE"), index=True
    )
