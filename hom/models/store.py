"""What this store is: its installation identity, the site it writes for, its number sequences.

These rows never sync: each installation has its own.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hom.core.clock import utcnow
from hom.core.ids import new_id
from hom.models.base import Base, UTCDateTime


class Installation(Base):
    """This installation. ``site_id`` None means a manager's read-only store.

    ``epoch`` is the current change-log epoch (see ``hom.sync.identity``); ``fingerprint`` says
    where the store file lives (machine, path, file id), so a copied or restored file is noticed
    when it opens. ``is_demo`` marks a demo store (it never enrols); ``enrolled_at`` is set when
    the store enrols with a server (until then it is its own head office).
    """

    __tablename__ = "installation"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120))
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id"), default=None)
    currency: Mapped[str] = mapped_column(String(3), default="INR")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    epoch: Mapped[int] = mapped_column(BigInteger, default=1)
    fingerprint: Mapped[str] = mapped_column(String(300), default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    server_url: Mapped[str] = mapped_column(String(300), default="")


class DocumentSequence(Base):
    """The last number issued per site, document kind and year (``DEP01-P-2026-000123``)."""

    __tablename__ = "document_sequences"

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)
