"""The change log (transactional outbox) and its counter, one row per (installation, epoch).

Every synced write queues a row here in the same transaction as the write. A row's identity is
``(installation_id, epoch, seq)``: ``seq`` comes from the epoch's counter row (``sync_epochs``),
raised in the same transaction, so it rises by one per row with no gaps (a rolled-back write
rolls the counter back with it) and is never handed out twice (compaction deletes acknowledged
rows but never lowers the counter). A restored or copied store starts a new epoch.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hom.core.clock import utcnow
from hom.models.base import Base, UTCDateTime


class OutboxEntry(Base):
    __tablename__ = "sync_outbox"
    __table_args__ = (
        Index("ix_sync_outbox_status", "status", "installation_id", "epoch", "seq"),
        Index("ix_sync_outbox_entity", "entity", "entity_id"),
    )

    installation_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    epoch: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    operation: Mapped[str] = mapped_column(String(16))
    #: The site whose installation wrote the change (None: a store writing for no site).
    site_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    payload_version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: pending -> acknowledged (applied or a duplicate on the server) or rejected (recorded for
    #: a person); ``legacy`` marks rows queued before payloads existed (never pushed).
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class SyncEpoch(Base):
    """The counter of one (installation, epoch): the last seq handed out and the compaction
    high-water mark (every acknowledged row up to it may have been deleted)."""

    __tablename__ = "sync_epochs"

    installation_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    epoch: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    compacted_through: Mapped[int] = mapped_column(BigInteger, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Why the epoch began: "created", "migrated", "restore" or "copy".
    reason: Mapped[str] = mapped_column(String(16), default="created")
