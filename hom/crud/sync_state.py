"""SQL for the sync engine's own rows: the sync state, the exceptions list, resends."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.orm import Session

from hom.crud.outbox import ACKNOWLEDGED, PENDING, REJECTED
from hom.models.outbox import OutboxEntry
from hom.models.sync_state import SyncState

#: A rejected item a person sent again under a new seq: kept for the record, never pushed.
RESENT = "resent"

ItemKey = tuple[uuid.UUID, int, int]


def get(session: Session, installation_id: uuid.UUID) -> SyncState | None:
    return session.get(SyncState, installation_id)


def get_or_add(session: Session, installation_id: uuid.UUID) -> SyncState:
    state = session.get(SyncState, installation_id)
    if state is None:
        state = SyncState(
            installation_id=installation_id,
            pull_cursor="",
            registered_epoch=0,
            credential_backend="",
            last_error="",
            running_pid=0,
            last_check="",
        )
        session.add(state)
        session.flush()
    return state


def counts_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OutboxEntry.status, func.count())
        .where(OutboxEntry.status.in_([PENDING, REJECTED]))
        .group_by(OutboxEntry.status)
    )
    return {status: n for status, n in rows}


def exceptions(session: Session, *, offset: int, limit: int) -> list[OutboxEntry]:
    """Pending and rejected rows, rejected first, then oldest first."""
    stmt = (
        select(OutboxEntry)
        .where(OutboxEntry.status.in_([PENDING, REJECTED]))
        .order_by(
            (OutboxEntry.status != REJECTED),
            OutboxEntry.created_at,
            OutboxEntry.epoch,
            OutboxEntry.seq,
        )
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def get_items(session: Session, keys: Sequence[ItemKey]) -> list[OutboxEntry]:
    found: list[OutboxEntry] = []
    keys = list(keys)
    for start in range(0, len(keys), 300):
        chunk = keys[start : start + 300]
        stmt = select(OutboxEntry).where(
            tuple_(OutboxEntry.installation_id, OutboxEntry.epoch, OutboxEntry.seq).in_(chunk)
        )
        found.extend(session.scalars(stmt))
    return sorted(found, key=lambda r: (r.epoch, r.seq))


def pending_epochs(session: Session) -> list[tuple[uuid.UUID, int]]:
    """The (installation, epoch)s with pending rows, oldest epoch first."""
    rows = session.execute(
        select(OutboxEntry.installation_id, OutboxEntry.epoch)
        .where(OutboxEntry.status == PENDING)
        .group_by(OutboxEntry.installation_id, OutboxEntry.epoch)
        .order_by(OutboxEntry.epoch)
    )
    return [(r[0], r[1]) for r in rows]


def record_answers(
    session: Session,
    *,
    installation_id: uuid.UUID,
    epoch: int,
    answers: Sequence[dict[str, Any]],
) -> None:
    """Each pushed row's answer: ``{"seq", "status", "last_error", "at"}`` (one executemany)."""
    if not answers:
        return
    table = OutboxEntry.__table__
    from sqlalchemy import bindparam

    stmt = (
        table.update()
        .where(
            table.c.installation_id == bindparam("k_installation"),
            table.c.epoch == bindparam("k_epoch"),
            table.c.seq == bindparam("k_seq"),
        )
        .values(
            status=bindparam("v_status"),
            attempts=table.c.attempts + 1,
            last_attempt_at=bindparam("v_at"),
            acknowledged_at=bindparam("v_at"),
            last_error=bindparam("v_error"),
        )
    )
    session.execute(
        stmt,
        [
            {
                "k_installation": installation_id,
                "k_epoch": epoch,
                "k_seq": a["seq"],
                "v_status": a["status"],
                "v_at": a["at"],
                "v_error": a["last_error"][:500],
            }
            for a in answers
        ],
    )


def mark_resent(session: Session, keys: Sequence[ItemKey]) -> None:
    for installation_id, epoch, seq in keys:
        session.execute(
            update(OutboxEntry)
            .where(
                OutboxEntry.installation_id == installation_id,
                OutboxEntry.epoch == epoch,
                OutboxEntry.seq == seq,
            )
            .values(status=RESENT)
            .execution_options(synchronize_session=False)
        )


def own_items_present(
    session: Session, *, installation_id: uuid.UUID, keys: Sequence[tuple[int | None, int | None]]
) -> set[tuple[int, int]]:
    """Of ``keys`` = (epoch, seq) of this installation, those whose change-log row is here."""
    wanted = sorted({(e, s) for e, s in keys if e is not None and s is not None})
    found: set[tuple[int, int]] = set()
    for start in range(0, len(wanted), 300):
        chunk = wanted[start : start + 300]
        stmt = select(OutboxEntry.epoch, OutboxEntry.seq).where(
            OutboxEntry.installation_id == installation_id,
            tuple_(OutboxEntry.epoch, OutboxEntry.seq).in_(chunk),
        )
        found.update((e, s) for e, s in session.execute(stmt))
    return found


def count_rows(session: Session, table) -> int:
    return session.scalar(select(func.count()).select_from(table)) or 0


def count_unaccepted_inserts(session: Session, *, entity: str) -> int:
    """Rows of ``entity`` whose insert is pending or rejected here and never acknowledged."""
    acknowledged = select(OutboxEntry.entity_id).where(
        OutboxEntry.entity == entity, OutboxEntry.status == ACKNOWLEDGED
    )
    stmt = select(func.count(func.distinct(OutboxEntry.entity_id))).where(
        OutboxEntry.entity == entity,
        OutboxEntry.operation == "insert",
        OutboxEntry.status.in_([PENDING, REJECTED]),
        OutboxEntry.entity_id.not_in(acknowledged),
    )
    return session.scalar(stmt) or 0


def reset_to_pending(
    session: Session, *, installation_id: uuid.UUID, epoch: int, from_seq: int, below_seq: int
) -> int:
    """Rows ``from_seq`` .. ``below_seq - 1`` of an epoch back to pending (the server lost
    them: it was restored from an older backup); how many were here to send again."""
    result = session.execute(
        update(OutboxEntry)
        .where(
            OutboxEntry.installation_id == installation_id,
            OutboxEntry.epoch == epoch,
            OutboxEntry.seq >= from_seq,
            OutboxEntry.seq < below_seq,
        )
        .values(status=PENDING, acknowledged_at=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def order_numbers_of_site(session: Session, *, site_id: uuid.UUID) -> list[str]:
    """Every order number this site issued, of the three levels."""
    from hom.models.sales_primary import PrimaryOrder
    from hom.models.sales_secondary import SecondaryOrder
    from hom.models.sales_tertiary import TertiaryOrder

    numbers: list[str] = []
    for model in (PrimaryOrder, SecondaryOrder, TertiaryOrder):
        numbers.extend(session.scalars(select(model.number).where(model.site_id == site_id)))
    return numbers


def draft_lines_with_product(session: Session, *, product_id: uuid.UUID) -> list[tuple[str, Any]]:
    """(order number, unit price) of every draft order line, any level, selling ``product_id``."""
    from hom.models.enums import OrderStatus
    from hom.models.sales_primary import PrimaryOrder, PrimaryOrderLine
    from hom.models.sales_secondary import SecondaryOrder, SecondaryOrderLine
    from hom.models.sales_tertiary import TertiaryOrder, TertiaryOrderLine

    found: list[tuple[str, Any]] = []
    for header, line in (
        (PrimaryOrder, PrimaryOrderLine),
        (SecondaryOrder, SecondaryOrderLine),
        (TertiaryOrder, TertiaryOrderLine),
    ):
        stmt = (
            select(header.number, line.unit_price)
            .join(line, line.order_id == header.id)
            .where(header.status == OrderStatus.DRAFT, line.product_id == product_id)
            .order_by(header.number)
        )
        found.extend((n, p) for n, p in session.execute(stmt))
    return found


def pending_rows_after(
    session: Session, *, installation_id: uuid.UUID, epoch: int, after_seq: int, limit: int
) -> list[Any]:
    """Pending rows of one (installation, epoch) above ``after_seq``, in seq order, as plain
    rows (what a push sends)."""
    t = OutboxEntry.__table__
    stmt = (
        select(
            t.c.seq,
            t.c.entity,
            t.c.entity_id,
            t.c.operation,
            t.c.site_id,
            t.c.payload_version,
            t.c.payload,
            t.c.created_at,
        )
        .where(
            t.c.installation_id == installation_id,
            t.c.epoch == epoch,
            t.c.seq > after_seq,
            t.c.status == PENDING,
        )
        .order_by(t.c.seq)
        .limit(limit)
    )
    return list(session.execute(stmt))
