"""Counterparties of the orders: distributors and the retailers they serve, per territory."""

from __future__ import annotations

import uuid

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hom.models.base import Base, SearchableMixin, SyncedMixin
from hom.models.enums import PartyKind, enum_column


class Party(SearchableMixin, SyncedMixin, Base):
    __search_fields__ = ("code", "name")
    __tablename__ = "parties"

    kind: Mapped[PartyKind] = mapped_column(enum_column(PartyKind, "kind"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    territory_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("geo_nodes.id"), index=True)
    distributor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("parties.id"), index=True, default=None
    )
    phone: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The GSTIN of a registered party; "" for an unregistered one (a small retailer).
    gstin: Mapped[str] = mapped_column(String(15), default="", server_default="")
