"""Bulk inserts at close to the driver's own speed, for the hot paths (ledger, outbox, sync).

SQLAlchemy's executemany spends most of its time building and converting each row's parameters
one value at a time. Here the column types' bind processors are looked up once, applied in a
tight loop, and the rows handed to the DBAPI ``executemany`` of the statement SQLAlchemy compiled.
Values are converted exactly as SQLAlchemy would, so the rows read back identically.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts keyed by column name; every row has the same keys) into ``table``."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    compiled = insert(table).values({n: None for n in names}).compile(dialect=dialect)
    # The order in which the compiled statement expects its parameters.
    order = list(compiled.positiontup) if compiled.positional else list(compiled.params)
    processors: list[Callable[[Any], Any] | None] = [
        table.c[name].type._cached_bind_processor(dialect) for name in order
    ]
    plan = list(zip(order, processors, strict=True))
    missing = [n for n in order if n not in rows[0]]
    if missing:  # columns SQLAlchemy added for their Python-side defaults
        defaults = {n: _default_value(table, n) for n in missing}
        rows = [{**defaults, **row} for row in rows]
    columns = [_converted([row[name] for row in rows], proc) for name, proc in plan]
    if compiled.positional:
        params: list[Any] = list(zip(*columns, strict=True))
    else:
        params = [dict(zip(order, values, strict=True)) for values in zip(*columns, strict=True)]
    connection.exec_driver_sql(compiled.string, params)


def _converted(values: list[Any], proc: Callable[[Any], Any] | None) -> list[Any]:
    """One column's values through its bind processor. Consecutive rows often share the very same
    object (one timestamp, one voucher, one installation per call), so it is converted once."""
    if proc is None:
        return values
    out: list[Any] = []
    last_in: Any = _UNSET
    last_out: Any = None
    for value in values:
        if value is not last_in:
            last_in = value
            last_out = None if value is None else proc(value)
        out.append(last_out)
    return out


_UNSET = object()


def _default_value(table: Table, name: str) -> Any:
    default = table.c[name].default
    if default is None:
        return None
    if default.is_scalar:
        return default.arg
    if default.is_callable:
        return default.arg(None)  # SQLAlchemy wraps zero-argument callables to take a context
    raise ValueError(f"column {table.name}.{name} needs a value: its default is not a plain value")
