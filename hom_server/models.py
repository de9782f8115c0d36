"""Tables only the server has: devices and their enrolment, people's refresh tokens, the login
rate limit, the applied sequence per (installation, epoch), rejected items and the change feed.

They live on their own metadata and their own Alembic chain (``hom_server/migrations``, version
table ``hom_server_alembic_version``), so a desktop store never carries them and the shared chain's
model check never sees them. They refer to shared rows (sites, users) by id, without foreign keys,
as the shared ``OriginMixin`` does.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    FetchedValue,
    Index,
    Integer,
    MetaData,
    String,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hom.core.clock import utcnow
from hom.core.ids import new_id
from hom.models.base import NAMING_CONVENTION, UTCDateTime

#: A 64-bit key that is SQLite's ROWID alias (so AUTOINCREMENT works) and BIGINT elsewhere.
BigId = BigInteger().with_variant(Integer, "sqlite")

VERSION_TABLE = "hom_server_alembic_version"


class ServerBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Device(ServerBase):
    """An enrolled installation: bound to a site (or, for a manager's store, a geography node)."""

    __tablename__ = "server_devices"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120))
    site_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    geo_node_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    #: The desktop's own installation id, given when it enrols; pushes must carry it.
    installation_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    #: SHA-256 of the random credential (high entropy: a slow hash adds nothing but latency).
    credential_hash: Mapped[str] = mapped_column(String(64), unique=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    #: Server clock minus device clock at the last push that said when it was sent (ms).
    clock_offset_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    app_version: Mapped[str] = mapped_column(String(40), default="")


class EnrolmentCode(ServerBase):
    __tablename__ = "server_enrolment_codes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    site_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    geo_node_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    label: Mapped[str] = mapped_column(String(120), default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    device_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)


class RefreshToken(ServerBase):
    __tablename__ = "server_refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class LoginAttempt(ServerBase):
    """One login attempt by key (``addr:<ip>`` and ``user:<name>``): the rate limit counts these
    rows, so every server process sees the same count."""

    __tablename__ = "server_login_attempts"
    __table_args__ = (Index("ix_server_login_attempts_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AppliedSeq(ServerBase):
    """The last seq applied (or answered) per (installation, epoch); the push locks this row."""

    __tablename__ = "server_applied_seqs"

    installation_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    epoch: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RejectedItem(ServerBase):
    """An item the server refused: kept for a person, and so later items can depend on it."""

    __tablename__ = "server_rejected_items"
    __table_args__ = (Index("ix_server_rejected_items_entity", "installation_id", "entity_id"),)

    installation_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    epoch: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    reason: Mapped[str] = mapped_column(String(500))
    field: Mapped[str | None] = mapped_column(String(120), default=None)
    depends_on: Mapped[int | None] = mapped_column(BigInteger, default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    rejected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FeedEntry(ServerBase):
    """One change every pull may deliver, in commit order.

    ``txid`` is the writing transaction's id on PostgreSQL (``pg_current_xact_id()``, set by the
    column's server default) and 0 on SQLite, whose writers are serialised; the feed is read in
    ``(txid, id)`` order, up to the oldest transaction still running (see ``hom_server.feed``).
    """

    __tablename__ = "server_change_feed"
    __table_args__ = (
        Index("ix_server_change_feed_order", "txid", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    txid: Mapped[int] = mapped_column(BigInteger, server_default=FetchedValue())
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    operation: Mapped[str] = mapped_column(String(16))
    #: The writing site (None: head office / master data).
    site_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    #: The site a row is addressed to (an order's buyer), if any.
    to_site_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    master: Mapped[bool] = mapped_column(Boolean, default=False)
    payload_version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    origin_installation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    origin_epoch: Mapped[int | None] = mapped_column(BigInteger, default=None)
    origin_seq: Mapped[int | None] = mapped_column(BigInteger, default=None)
    device_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
