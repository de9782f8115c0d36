"""SQL for batches and the daily production log."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import RowMapping, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from hom.crud import bulk, lookup
from hom.models.product import Product
from hom.models.production import Batch, ProductionLog


def get_batch(session: Session, batch_id: uuid.UUID) -> Batch | None:
    return session.get(Batch, batch_id)


def get_batches(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Batch]:
    return lookup.by_ids(session, Batch, ids)


_BATCH_BY_CODE = select(Batch).where(
    Batch.product_id == bindparam("product_id"), Batch.code == bindparam("code")
)


def get_batch_by_code(session: Session, *, product_id: uuid.UUID, code: str) -> Batch | None:
    return session.scalar(_BATCH_BY_CODE, {"product_id": product_id, "code": code})


def find_batches_by_code(session: Session, code: str) -> list[Batch]:
    return list(session.scalars(select(Batch).where(Batch.code == code)))


def add_batch(session: Session, batch: Batch) -> Batch:
    session.add(batch)
    session.flush()
    return batch


# --- production logs ------------------------------------------------------------------------


def get_log(session: Session, log_id: uuid.UUID) -> ProductionLog | None:
    return session.get(ProductionLog, log_id)


def get_reversal_of(session: Session, log_id: uuid.UUID) -> ProductionLog | None:
    """The log that reverses ``log_id``, if any (at most one: ``reverses_id`` is unique)."""
    return session.scalar(select(ProductionLog).where(ProductionLog.reverses_id == log_id))


def add_log(
    session: Session, log: ProductionLog, *, new_batch: Batch | None = None
) -> ProductionLog:
    """Write a new log (and the new batch it produces into, first): ``bulk.write_new``."""
    bulk.write_new(session, [new_batch, log] if new_batch is not None else [log])
    return log


@dataclass(frozen=True)
class LogFilter:
    site_id: uuid.UUID | None = None
    product_id: uuid.UUID | None = None
    batch_id: uuid.UUID | None = None
    since: date | None = None  # inclusive
    until: date | None = None  # inclusive


def _log_where(flt: LogFilter) -> list[Any]:
    log = ProductionLog
    clauses: list[Any] = []
    if flt.site_id is not None:
        clauses.append(log.site_id == flt.site_id)
    if flt.product_id is not None:
        clauses.append(log.product_id == flt.product_id)
    if flt.batch_id is not None:
        clauses.append(log.batch_id == flt.batch_id)
    if flt.since is not None:
        clauses.append(log.production_date >= flt.since)
    if flt.until is not None:
        clauses.append(log.production_date <= flt.until)
    return clauses


def log_rows(
    session: Session, *, flt: LogFilter, offset: int = 0, limit: int | None = None
) -> list[RowMapping]:
    """Log rows with product SKU and name, batch code and a ``reversed`` flag, in one query.

    Newest day first, then shift, then the order they were posted in.
    """
    log = ProductionLog
    later = aliased(ProductionLog)
    stmt = (
        select(
            log.id,
            log.site_id,
            log.production_date,
            log.shift,
            log.product_id,
            Product.sku,
            Product.name.label("product_name"),
            log.batch_id,
            Batch.code.label("batch_code"),
            log.good_qty,
            log.rejected_qty,
            log.remarks,
            log.reverses_id,
            (later.id.is_not(None)).label("reversed"),
            log.created_at,
        )
        .join(Product, Product.id == log.product_id)
        .outerjoin(Batch, Batch.id == log.batch_id)
        .outerjoin(later, later.reverses_id == log.id)
        .where(*_log_where(flt))
        .order_by(log.production_date.desc(), log.shift, log.created_at, log.id)
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt).mappings())


def count_logs(session: Session, *, flt: LogFilter) -> int:
    stmt = select(func.count()).select_from(ProductionLog).where(*_log_where(flt))
    return session.scalar(stmt) or 0
