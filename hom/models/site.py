"""Sites (factories, depots, distributors' premises) and the stock locations each one owns.

A location has exactly one owning site, and only that site's installation writes its ledger:
the one-writer rule that keeps sync free of conflicts.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hom.core.clock import DEFAULT_TIME_ZONE
from hom.models.base import Base, SyncedMixin
from hom.models.enums import LocationKind, SiteKind, enum_column


class Site(SyncedMixin, Base):
    __tablename__ = "sites"

    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[SiteKind] = mapped_column(enum_column(SiteKind, "kind"))
    geo_node_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("geo_nodes.id"), default=None)
    party_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parties.id"), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # What a tax invoice from this site names as its supplier: the registered business name,
    # the address and the GSTIN of the site's state registration ("" where not registered).
    legal_name: Mapped[str] = mapped_column(String(160), default="", server_default="")
    address: Mapped[str] = mapped_column(String(300), default="", server_default="")
    gstin: Mapped[str] = mapped_column(String(15), default="", server_default="")
    # The IANA zone of the site's calendar: its "today", business dates and back-dated entries.
    time_zone: Mapped[str] = mapped_column(
        String(64), default=DEFAULT_TIME_ZONE, server_default=DEFAULT_TIME_ZONE
    )


class StockLocation(SyncedMixin, Base):
    __tablename__ = "stock_locations"

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[LocationKind] = mapped_column(enum_column(LocationKind, "kind"))
    party_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("parties.id"), index=True, default=None
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
