"""SQL for the sync outbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hom.core.clock import utcnow
from hom.crud import bulk
from hom.models.outbox import OutboxEntry


def add_many(
    session: Session,
    *,
    entity: str,
    entity_ids: Iterable[uuid.UUID],
    operation: str,
    payloads: Iterable[dict[str, Any] | None] | None = None,
) -> None:
    now = utcnow()
    ids = list(entity_ids)
    payload_list = list(payloads) if payloads is not None else [None] * len(ids)
    rows = [
        {
            "entity": entity,
            "entity_id": eid,
            "operation": operation,
            "payload": p,
            "created_at": now,
        }
        for eid, p in zip(ids, payload_list, strict=True)
    ]
    bulk.insert_rows(session, OutboxEntry.__table__, rows)


def add(
    session: Session,
    *,
    entity: str,
    entity_id: uuid.UUID,
    operation: str,
    payload: dict[str, Any] | None = None,
) -> None:
    add_many(
        session, entity=entity, entity_ids=[entity_id], operation=operation, payloads=[payload]
    )


def count_pending(session: Session) -> int:
    return session.scalar(select(func.count()).where(OutboxEntry.sent_at.is_(None))) or 0


def pending(session: Session, *, limit: int) -> list[OutboxEntry]:
    stmt = (
        select(OutboxEntry)
        .where(OutboxEntry.sent_at.is_(None))
        .order_by(OutboxEntry.seq)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def mark_sent(session: Session, *, seqs: list[int], at: datetime | None = None) -> None:
    if seqs:
        session.execute(
            update(OutboxEntry).where(OutboxEntry.seq.in_(seqs)).values(sent_at=at or utcnow())
        )


def for_entity(session: Session, *, entity: str, entity_id: uuid.UUID) -> list[OutboxEntry]:
    stmt = (
        select(OutboxEntry)
        .where(OutboxEntry.entity == entity, OutboxEntry.entity_id == entity_id)
        .order_by(OutboxEntry.seq)
    )
    return list(session.scalars(stmt))
