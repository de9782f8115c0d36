"""Bulk inserts at close to the driver's own speed, for the hot paths (ledger, outbox, sync).

SQLAlchemy's executemany spends most of its time building and converting each row's parameters
one value at a time. Here the column types' bind processors are looked up once, applied in a
tight loop, and the rows handed to the DBAPI ``executemany`` of the statement SQLAlchemy compiled.
Values are converted exactly as SQLAlchemy would, so the rows read back identically. On
PostgreSQL a larger set of rows goes through ``COPY ... FROM STDIN`` on the same connection (and
transaction) instead: psycopg adapts the same converted values, many times faster than
``executemany``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import Dialect, Table, insert, inspect
from sqlalchemy.orm import Session, make_transient_to_detached

#: From this many rows on, PostgreSQL inserts use COPY.
COPY_MIN_ROWS = 50


@dataclass(frozen=True)
class _Plan:
    sql: str
    copy_sql: str
    positional: bool
    order: list[str]
    processors: list[Callable[[Any], Any] | None]
    # columns SQLAlchemy adds for their Python-side defaults, and how to make each row's value
    defaults: dict[str, Callable[[], Any]]


_plans: dict[tuple[str, str, tuple[str, ...]], _Plan] = {}


def _plan(table: Table, dialect: Dialect, names: tuple[str, ...]) -> _Plan:
    """The compiled statement and per-column converters, made once per table and column set."""
    key = (table.name, dialect.name, names)
    plan = _plans.get(key)
    if plan is None:
        compiled = insert(table).values({n: None for n in names}).compile(dialect=dialect)
        # The order in which the compiled statement expects its parameters.
        order = list(compiled.positiontup) if compiled.positional else list(compiled.params)
        quote = dialect.identifier_preparer.quote
        plan = _Plan(
            sql=compiled.string,
            copy_sql=f"COPY {dialect.identifier_preparer.format_table(table)} "
            f"({', '.join(quote(n) for n in order)}) FROM STDIN",
            positional=bool(compiled.positional),
            order=order,
            processors=[table.c[name].type._cached_bind_processor(dialect) for name in order],
            defaults={n: _default_maker(table, n) for n in order if n not in names},
        )
        _plans[key] = plan
    return plan


def insert_rows(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    encoded: Collection[str] = (),
) -> Sequence[dict[str, Any]]:
    """Insert ``rows`` (dicts keyed by column name; every row has the same keys) into ``table``.

    ``encoded`` names columns whose values are already in the database's form (a JSON column's
    text), passed on without their type's conversion.

    Returns the rows as written, Python-side defaults filled in, so a caller can snapshot them for
    the change log without reading them back."""
    if not rows:
        return rows
    connection = session.connection()
    plan = _plan(table, connection.dialect, tuple(rows[0]))
    if plan.defaults:
        rows = [{**{n: make() for n, make in plan.defaults.items()}, **row} for row in rows]
    columns = [
        _converted([row[name] for row in rows], None if name in encoded else proc)
        for name, proc in zip(plan.order, plan.processors, strict=True)
    ]
    if connection.dialect.name == "postgresql" and len(rows) >= COPY_MIN_ROWS:
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(plan.copy_sql) as copy:
            for values in zip(*columns, strict=True):
                copy.write_row(values)
        return rows
    if plan.positional:
        params: list[Any] = list(zip(*columns, strict=True))
    else:
        params = [
            dict(zip(plan.order, values, strict=True)) for values in zip(*columns, strict=True)
        ]
    connection.exec_driver_sql(plan.sql, params)
    return rows


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


def _default_maker(table: Table, name: str) -> Callable[[], Any]:
    """A function giving a column's default: called per row, so ids and timestamps are fresh."""
    default = table.c[name].default
    if default is None:
        return lambda: None
    if default.is_scalar:
        value = default.arg
        return lambda: value
    if default.is_callable:
        return lambda: default.arg(None)  # SQLAlchemy wraps zero-argument callables for a context
    raise ValueError(f"column {table.name}.{name} needs a value: its default is not a plain value")


def write_new(session: Session, objects: Sequence[Any]) -> None:
    """Write new ORM objects (a header and its lines, a batch and its log) by bulk inserts, in
    the given order, then keep them in the session as persistent, as if just loaded.

    For a few rows the unit of work costs several times the inserts. Each column's value is
    taken from the object, or from the column's Python-side default where a flush would use
    it (an attribute never set, a primary key left None), and set on the object too; the
    ``SearchableMixin`` keys are computed as ``insert_model_rows`` does. Whatever else the
    session holds is flushed first (a row these may name)."""
    session.flush()
    for model, run in groupby(objects, key=type):
        insert_model_rows(session, model, [_row(o) for o in run])
    for obj in objects:
        make_transient_to_detached(obj)
    for obj in objects:
        session.add(obj)


_MISSING = object()
_columns_of: dict[type, list[tuple[str, str, Any]]] = {}


def _row(obj: Any) -> dict[str, Any]:
    """The row a flush would insert for new ``obj``."""
    columns = _columns_of.get(type(obj))
    if columns is None:
        columns = []
        for prop in inspect(obj).mapper.column_attrs:
            column = prop.columns[0]
            if column.server_default is not None and column.default is None:
                # The database's to fill, and a flush would leave it to the database: not this
                # path. (A server default beside a Python one only fills rows a migration met.)
                raise ValueError(f"{column} has a server default: write it with a flush")
            columns.append((prop.key, column.key, column))
        _columns_of[type(obj)] = columns
    state = obj.__dict__
    row: dict[str, Any] = {}
    for key, name, column in columns:
        value = state.get(key, _MISSING)
        if value is _MISSING or (value is None and column.primary_key):
            value = _default_maker(column.table, name)() if column.default is not None else None
            setattr(obj, key, value)
        row[name] = value
    return row


def insert_model_rows(
    session: Session, model: type[Any], rows: Sequence[dict[str, Any]]
) -> Sequence[dict[str, Any]]:
    """``insert_rows`` for a model's table, with the values its ORM events would have added
    (the folded search and sort keys of ``SearchableMixin``) computed here, since a bulk insert
    runs no ORM event."""
    keys_of = getattr(model, "text_keys_of", None)
    if keys_of is not None:
        rows = [{**row, **keys_of(row)} for row in rows]
    return insert_rows(session, model.__table__, rows)
