"""SQL for the change log (sync outbox) and its per-epoch counter rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from hom.core.clock import utcnow
from hom.crud import bulk
from hom.models.outbox import OutboxEntry, SyncEpoch
from hom.models.store import Installation

PENDING = "pending"
ACKNOWLEDGED = "acknowledged"
REJECTED = "rejected"
LEGACY = "legacy"


def current_identity(session: Session) -> tuple[uuid.UUID, int] | None:
    """This store's (installation id, current epoch), or None before it is initialised."""
    row = session.execute(select(Installation.id, Installation.epoch).limit(1)).first()
    return (row[0], row[1]) if row else None


def add_epoch(
    session: Session, *, installation_id: uuid.UUID, epoch: int, reason: str, last_seq: int = 0
) -> None:
    session.add(
        SyncEpoch(
            installation_id=installation_id,
            epoch=epoch,
            last_seq=last_seq,
            compacted_through=0,
            started_at=utcnow(),
            reason=reason,
        )
    )
    session.flush()


def get_epoch(session: Session, *, installation_id: uuid.UUID, epoch: int) -> SyncEpoch | None:
    return session.get(SyncEpoch, (installation_id, epoch))


def list_epochs(session: Session) -> list[SyncEpoch]:
    return list(session.scalars(select(SyncEpoch).order_by(SyncEpoch.started_at)))


# Built once (this runs on every synced write), on Core tables: no ORM object holds these
# counters, and the ORM's bulk-update path costs several times the statement.
_epochs, _installation = SyncEpoch.__table__, Installation.__table__
_RESERVE = (
    update(_epochs)
    .where(
        _epochs.c.installation_id == bindparam("for_installation"),
        _epochs.c.epoch
        == select(_installation.c.epoch)
        .where(_installation.c.id == bindparam("for_installation"))
        .scalar_subquery(),
    )
    .values(last_seq=_epochs.c.last_seq + bindparam("count"))
    .returning(_epochs.c.epoch, _epochs.c.last_seq)
)


def reserve(session: Session, *, installation_id: uuid.UUID, count: int) -> tuple[int, int]:
    """Take ``count`` numbers from the current epoch's counter row: (epoch, first seq).

    One ``UPDATE ... RETURNING`` in the caller's transaction: on PostgreSQL it locks the counter
    row until commit, so concurrent writers queue in commit order and a rollback gives the
    numbers back (no gap); on SQLite the write transaction already holds the lock.
    """
    row = (
        session.connection()
        .execute(_RESERVE, {"for_installation": installation_id, "count": count})
        .first()
    )
    if row is None:
        raise LookupError(
            f"installation {installation_id} has no change-log counter for its current epoch"
        )
    return row[0], row[1] - count + 1


def insert(
    session: Session, rows: Sequence[dict[str, Any]], *, payload_is_json: bool = False
) -> None:
    """``payload_is_json``: every row's payload is already JSON text (written as it is)."""
    encoded = ("payload",) if payload_is_json else ()
    bulk.insert_rows(session, OutboxEntry.__table__, rows, encoded=encoded)


def count_pending(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(OutboxEntry).where(OutboxEntry.status == PENDING)
        )
        or 0
    )


def pending(session: Session, *, limit: int) -> list[OutboxEntry]:
    """The oldest pending rows, in push order (installation, epoch, seq)."""
    stmt = (
        select(OutboxEntry)
        .where(OutboxEntry.status == PENDING)
        .order_by(OutboxEntry.installation_id, OutboxEntry.epoch, OutboxEntry.seq)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def _keys(installation_id: uuid.UUID, epoch: int, seqs: Sequence[int]):
    return and_(
        OutboxEntry.installation_id == installation_id,
        OutboxEntry.epoch == epoch,
        OutboxEntry.seq.in_(list(seqs)),
    )


def set_status(
    session: Session,
    *,
    installation_id: uuid.UUID,
    epoch: int,
    seqs: Sequence[int],
    status: str,
    error: str = "",
    at: datetime | None = None,
) -> None:
    if not seqs:
        return
    now = at or utcnow()
    values: dict[str, Any] = {
        "status": status,
        "attempts": OutboxEntry.attempts + 1,
        "last_attempt_at": now,
    }
    if status in (ACKNOWLEDGED, REJECTED):
        values["acknowledged_at"] = now
    if error:
        values["last_error"] = error[:500]
    session.execute(
        update(OutboxEntry)
        .where(_keys(installation_id, epoch, seqs))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def record_attempt_failed(
    session: Session, *, installation_id: uuid.UUID, epoch: int, seqs: Sequence[int], error: str
) -> None:
    """A push that did not get an answer: the rows stay pending, their attempt is counted."""
    if not seqs:
        return
    session.execute(
        update(OutboxEntry)
        .where(_keys(installation_id, epoch, seqs))
        .values(attempts=OutboxEntry.attempts + 1, last_attempt_at=utcnow(), last_error=error[:500])
        .execution_options(synchronize_session=False)
    )


def compact(session: Session) -> int:
    """Delete acknowledged rows, raising each epoch's high-water mark over them; the counters
    are untouched, so no seq is handed out again. Returns the number of rows deleted."""
    highs = session.execute(
        select(OutboxEntry.installation_id, OutboxEntry.epoch, func.max(OutboxEntry.seq))
        .where(OutboxEntry.status == ACKNOWLEDGED)
        .group_by(OutboxEntry.installation_id, OutboxEntry.epoch)
    ).all()
    for installation_id, epoch, high in highs:
        session.execute(
            update(SyncEpoch)
            .where(
                SyncEpoch.installation_id == installation_id,
                SyncEpoch.epoch == epoch,
                SyncEpoch.compacted_through < high,
            )
            .values(compacted_through=high)
            .execution_options(synchronize_session=False)
        )
    result = session.execute(
        delete(OutboxEntry)
        .where(OutboxEntry.status == ACKNOWLEDGED)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def for_entity(session: Session, *, entity: str, entity_id: uuid.UUID) -> list[OutboxEntry]:
    stmt = (
        select(OutboxEntry)
        .where(OutboxEntry.entity == entity, OutboxEntry.entity_id == entity_id)
        .order_by(OutboxEntry.epoch, OutboxEntry.seq)
    )
    return list(session.scalars(stmt))
