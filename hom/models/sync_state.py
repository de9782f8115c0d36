"""Where this store stands with its server: the pull cursor, the epoch it registered, the last
attempt, success and error, and the last sanity check. One row; it never syncs.

The pull cursor is written in the same transaction as the page it covers, so it only ever moves
over changes that are durably applied here.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hom.models.base import Base, UTCDateTime


class SyncState(Base):
    __tablename__ = "sync_state"

    installation_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    device_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    #: The server's opaque cursor after the last applied page ("" before the first pull).
    pull_cursor: Mapped[str] = mapped_column(String(64), default="")
    #: The epoch the server was told about; a newer local epoch registers before it pushes.
    registered_epoch: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Where the device credential lives: "keyring" or "file" (never in this database).
    credential_backend: Mapped[str] = mapped_column(String(16), default="")
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    #: Whether the server answered at the last attempt (None: never tried).
    online: Mapped[bool | None] = mapped_column(Boolean, default=None)
    #: The process running a sync now (0: none) and since when.
    running_pid: Mapped[int] = mapped_column(Integer, default=0)
    running_since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    #: The last sanity check's outcome in one line ("" before the first).
    last_check: Mapped[str] = mapped_column(String(1000), default="")
    last_check_ok: Mapped[bool | None] = mapped_column(Boolean, default=None)
