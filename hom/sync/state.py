"""What a person sees of sync: the status line, the exceptions list, and resending a fix.

Plain data read from the store (no network): the status bar and the sync view read it on their
own worker, the command line prints it. The engine (``hom_desktop.sync``) writes the rows read
here as it runs.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hom.core.clock import utcnow
from hom.core.errors import DomainError
from hom.crud import outbox as outbox_crud
from hom.crud import site as site_crud
from hom.crud import sync_state as state_crud
from hom.crud.sync_state import ItemKey
from hom.models.outbox import OutboxEntry
from hom.sync import changelog
from hom.sync import entities as E

__all__ = [
    "ItemKey",
    "SyncItem",
    "SyncStatus",
    "exceptions",
    "read_status",
    "resend",
]


@dataclass(frozen=True)
class SyncStatus:
    """The status bar's facts. ``online`` is None before the first attempt."""

    enrolled: bool
    server_url: str
    online: bool | None
    pending: int
    rejected: int
    last_success_at: datetime | None  # UTC
    last_attempt_at: datetime | None  # UTC
    last_error: str
    running: bool
    #: The last sanity check: None before the first, else whether both sides agreed.
    check_ok: bool | None = None
    check_summary: str = ""
    credential_backend: str = ""
    #: A demo store never syncs (it refuses to enrol): its change log is not "waiting".
    demo: bool = False


@dataclass(frozen=True)
class SyncItem:
    """One pending or rejected change-log item, as the sync view lists it."""

    key: ItemKey  # (installation_id, epoch, seq): what ``resend`` takes
    entity: str
    entity_id: uuid.UUID
    operation: str
    status: str  # "pending" or "rejected"
    reason: str  # the server's reason for a rejection, the last error for a pending item
    attempts: int
    created_at: datetime  # UTC, by this device's clock
    last_attempt_at: datetime | None
    age: timedelta

    @property
    def seq(self) -> int:
        return self.key[2]


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (a sync's ``running_pid``)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def read_status(session: Session) -> SyncStatus:
    """Where this store stands with its server (two small queries)."""
    installation = site_crud.get_installation(session)
    counts = state_crud.counts_by_status(session)
    pending = counts.get(outbox_crud.PENDING, 0)
    rejected = counts.get(outbox_crud.REJECTED, 0)
    if installation is None:
        return SyncStatus(False, "", None, pending, rejected, None, None, "", False)
    state = state_crud.get(session, installation.id)
    enrolled = installation.enrolled_at is not None
    if state is None:
        return SyncStatus(
            enrolled,
            installation.server_url,
            None,
            pending,
            rejected,
            None,
            None,
            "",
            False,
            demo=installation.is_demo,
        )
    return SyncStatus(
        enrolled=enrolled,
        server_url=installation.server_url,
        online=state.online,
        pending=pending,
        rejected=rejected,
        last_success_at=state.last_success_at,
        last_attempt_at=state.last_attempt_at,
        last_error=state.last_error,
        running=process_alive(state.running_pid),
        check_ok=state.last_check_ok,
        check_summary=state.last_check,
        credential_backend=state.credential_backend,
        demo=installation.is_demo,
    )


def _item(row: OutboxEntry, now: datetime) -> SyncItem:
    return SyncItem(
        key=(row.installation_id, row.epoch, row.seq),
        entity=row.entity,
        entity_id=row.entity_id,
        operation=row.operation,
        status=row.status,
        reason=row.last_error,
        attempts=row.attempts,
        created_at=row.created_at,
        last_attempt_at=row.last_attempt_at,
        age=now - row.created_at,
    )


def exceptions(session: Session, *, offset: int = 0, limit: int = 200) -> list[SyncItem]:
    """Pending and rejected items with their reason and age: rejected first, then oldest."""
    if offset < 0 or not 1 <= limit <= 10_000:
        raise DomainError("offset must be >= 0 and limit between 1 and 10000", field="limit")
    now = utcnow()
    return [_item(r, now) for r in state_crud.exceptions(session, offset=offset, limit=limit)]


def resend(session: Session, ids: Sequence[ItemKey]) -> list[ItemKey]:
    """Queue rejected items again after a person fixed what was wrong.

    The server answered each of them and moved past its seq, so the same seq would only be
    answered "duplicate": each is queued as a new item (a new seq in the current epoch) with a
    fresh snapshot of the row as it is now (its stored snapshot when the row is gone, e.g. a
    ledger entry, which never changes). The old row is kept as ``resent``. Returns the new keys.
    """
    from hom.services import sites  # services -> sync would be a cycle at import time

    rows = state_crud.get_items(session, ids)
    if len(rows) != len(set(ids)):
        raise DomainError("some of those items are not in the change log", field="ids")
    not_rejected = [r.seq for r in rows if r.status != outbox_crud.REJECTED]
    if not_rejected:
        raise DomainError(
            f"only rejected items can be resent (item {not_rejected[0]} is not rejected)",
            field="ids",
        )
    ctx = sites.system_context(session)
    made: list[ItemKey] = []
    for row in rows:
        current = _current_row(session, row)
        before = outbox_crud.current_identity(session)
        changelog.queue(
            session,
            ctx=ctx,
            entity=row.entity,
            rows=[current if current is not None else row.payload],
            operation=row.operation,
        )
        assert before is not None
        epoch_row = outbox_crud.get_epoch(session, installation_id=before[0], epoch=before[1])
        assert epoch_row is not None
        session.refresh(epoch_row)
        made.append((before[0], before[1], epoch_row.last_seq))
    state_crud.mark_resent(session, [(r.installation_id, r.epoch, r.seq) for r in rows])
    return made


def _current_row(session: Session, row: OutboxEntry):
    """The row as it is now, for a fresh snapshot (None: not a single-table entity, or gone)."""
    from hom.sync.apply import ORDER_MODELS, ROW_MODELS

    model = ROW_MODELS.get(row.entity) or ORDER_MODELS.get(row.entity, (None,))[0]
    if model is None or row.entity == E.LEDGER:
        return None
    return session.get(model, row.entity_id)
