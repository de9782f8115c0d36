"""SQL for batches and the daily production log."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hom_desktop.models.production import Batch


def get_batch(session: Session, batch_id: uuid.UUID) -> Batch | None:
    return session.get(Batch, batch_id)


def get_batches(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Batch]:
    wanted = list({i for i in ids if i is not None})
    if not wanted:
        return {}
    found: dict[uuid.UUID, Batch] = {}
    for start in range(0, len(wanted), 400):
        chunk = wanted[start : start + 400]
        found.update({b.id: b for b in session.scalars(select(Batch).where(Batch.id.in_(chunk)))})
    return found


def get_batch_by_code(session: Session, *, product_id: uuid.UUID, code: str) -> Batch | None:
    return session.scalar(select(Batch).where(Batch.product_id == product_id, Batch.code == code))


def find_batches_by_code(session: Session, code: str) -> list[Batch]:
    return list(session.scalars(select(Batch).where(Batch.code == code)))


def add_batch(session: Session, batch: Batch) -> Batch:
    session.add(batch)
    session.flush()
    return batch
