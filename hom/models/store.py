"""What this store is: its installation identity, the site it writes for, its number sequences.

These rows never sync: each installation has its own.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hom.core.clock import utcnow
from hom.core.ids import new_id
from hom.models.base import Base, UTCDateTime


class Installation(Base):
    """This installation. ``site_id`` None means a manager's read-only store."""

    __tablename__ = "installation"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120))
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id"), default=None)
    currency: Mapped[str] = mapped_column(String(3), default="INR")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DocumentSequence(Base):
    """The last number issued per site, document kind and year (``DEP01-P-2026-000123``)."""

    __tablename__ = "document_sequences"

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)
