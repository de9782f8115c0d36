"""SQL for the sync protocol: the applied-seq row (locked per push), rejected items, the feed.

The feed is read in commit order. On PostgreSQL each row carries its transaction's id (``txid``,
set by the column default ``pg_current_xact_id()``), and a reader takes only rows whose ``txid``
is below the oldest transaction still running (``pg_snapshot_xmin(pg_current_snapshot())``):
every transaction below that mark has finished, so no row can later appear behind a cursor that
has passed it (PgQ's rule). On SQLite writers are serialised (one write transaction at a time,
holding the lock until commit), so ``id`` order is commit order and ``txid`` is 0.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Row, and_, or_, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hom.core.clock import utcnow
from hom.crud import bulk
from hom_server.models import AppliedSeq, FeedEntry, RejectedItem

_WATERMARK = text("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")


def lock_applied(session: Session, *, installation_id: uuid.UUID, epoch: int) -> AppliedSeq:
    """The (installation, epoch) row, created if new and locked until the transaction ends: two
    pushes of one installation (a retry overlapping the original, on any server process) run one
    after the other. On SQLite the write transaction already holds the database's write lock."""
    stmt = (
        select(AppliedSeq)
        .where(AppliedSeq.installation_id == installation_id, AppliedSeq.epoch == epoch)
        .with_for_update()
        .execution_options(populate_existing=True, autoflush=False)
    )
    row = session.scalars(stmt).one_or_none()
    if row is not None:
        return row
    # A new epoch: of two first pushes, the second's insert waits for the first to commit.
    dialect = session.get_bind().dialect.name
    values = {
        "installation_id": installation_id,
        "epoch": epoch,
        "last_seq": 0,
        "updated_at": utcnow(),
    }
    module = postgresql if dialect == "postgresql" else sqlite
    insert = module.insert(AppliedSeq).values(**values).on_conflict_do_nothing()
    session.execute(insert, execution_options={"autoflush": False})
    return session.scalars(stmt).one()


def get_applied(session: Session, *, installation_id: uuid.UUID, epoch: int) -> AppliedSeq | None:
    return session.get(AppliedSeq, (installation_id, epoch))


def add_rejected(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    bulk.insert_rows(session, RejectedItem.__table__, list(rows))


def has_rejected(session: Session, *, installation_id: uuid.UUID) -> bool:
    """Whether any item of this installation was ever rejected (most never are)."""
    stmt = select(RejectedItem.seq).where(RejectedItem.installation_id == installation_id)
    return session.scalar(stmt.limit(1)) is not None


def rejected_entities(
    session: Session, *, installation_id: uuid.UUID, entity_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Of ``entity_ids``, those an earlier item of this installation was rejected for, with the
    seq of that item."""
    found: dict[uuid.UUID, int] = {}
    ids = list(entity_ids)
    for start in range(0, len(ids), 400):
        stmt = select(RejectedItem.entity_id, RejectedItem.seq).where(
            RejectedItem.installation_id == installation_id,
            RejectedItem.entity_id.in_(ids[start : start + 400]),
        )
        for entity_id, seq in session.execute(stmt):
            found.setdefault(entity_id, seq)
    return found


def append_feed(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Append changes to the feed (``txid`` comes from the column default)."""
    bulk.insert_rows(session, FeedEntry.__table__, list(rows))


def read_feed(
    session: Session,
    *,
    after: tuple[int, int],
    limit: int,
    site_ids: Collection[uuid.UUID] | None,
) -> list[Row[Any]]:
    """Up to ``limit`` committed feed rows after ``after`` = (txid, id), in commit order.

    ``site_ids`` None: every row; otherwise master data and rows written by, or addressed to,
    one of those sites.
    """
    # Plain rows, not ORM objects: a page is read, sent and forgotten (5x faster to build).
    stmt = select(*FeedEntry.__table__.c).where(
        tuple_(FeedEntry.txid, FeedEntry.id) > tuple_(*after)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.where(FeedEntry.txid < _WATERMARK)
    if site_ids is not None:
        ids = list(site_ids)
        stmt = stmt.where(
            or_(
                FeedEntry.master.is_(True),
                and_(FeedEntry.site_id.is_not(None), FeedEntry.site_id.in_(ids)),
                and_(FeedEntry.to_site_id.is_not(None), FeedEntry.to_site_id.in_(ids)),
            )
        )
    stmt = stmt.order_by(FeedEntry.txid, FeedEntry.id).limit(limit)
    return list(session.execute(stmt))
