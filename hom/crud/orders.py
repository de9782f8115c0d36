"""SQL for orders of all three levels (the model is a parameter) and the parties they name.

No rules here: the order service decides what may be written. Lists filter, sort and page in SQL
so a screen of 200 rows costs one query whatever the table's size.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import RowMapping, Select, func, inspect, literal, or_, select
from sqlalchemy.orm import Session, make_transient_to_detached

from hom.crud import bulk, lookup
from hom.crud import search as search_crud
from hom.models.enums import OrderStatus
from hom.models.party import Party


def get_party(session: Session, party_id: uuid.UUID) -> Party | None:
    return session.get(Party, party_id)


def get_parties(session: Session, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, Party]:
    return lookup.by_ids(session, Party, ids)


def get_order(session: Session, model: type[Any], order_id: uuid.UUID) -> Any | None:
    return session.get(model, order_id)


def get_order_by_number(session: Session, model: type[Any], number: str) -> Any | None:
    return session.scalar(select(model).where(model.number == number))


def add_order(session: Session, order: Any) -> Any:
    """Write a new order and its lines, then keep them in the session as written.

    Two bulk inserts (``crud.bulk``) instead of the unit of work, which costs more than the
    inserts themselves for an order's one header and few lines: each column's value is taken
    from the object, or from the column's default where a flush would use it (and set on the
    object), and the objects then join the session as persistent, as if just loaded."""
    session.flush()  # whatever else is waiting (a row the order may name) goes first
    lines = list(order.lines)
    header = _row(order)
    for line in lines:
        line.order_id = order.id
    line_rows = [_row(line) for line in lines]
    bulk.insert_rows(session, order.__table__, [header])
    if line_rows:
        bulk.insert_rows(session, lines[0].__table__, line_rows)
    for line in lines:
        make_transient_to_detached(line)
    make_transient_to_detached(order)
    session.add(order)  # with its lines (the relationship cascades): persistent, nothing pending
    return order


_MISSING = object()
_columns_of: dict[type, list[tuple[str, str, Any]]] = {}


def _row(obj: Any) -> dict[str, Any]:
    """The row a flush would insert for new ``obj`` (every column: an attribute never set, or a
    primary key left None, takes the column's Python-side default, set on the object too)."""
    columns = _columns_of.get(type(obj))
    if columns is None:
        mapper = inspect(obj).mapper
        columns = []
        for prop in mapper.column_attrs:
            column = prop.columns[0]
            if column.server_default is not None:  # the database's to fill: not for this path
                raise ValueError(f"{column} has a server default")
            columns.append((prop.key, column.key, column))
        _columns_of[type(obj)] = columns
    state = obj.__dict__
    row: dict[str, Any] = {}
    for key, name, column in columns:
        value = state.get(key, _MISSING)
        if value is _MISSING or (value is None and column.primary_key):
            value = bulk.default_of(column.table, name) if column.default is not None else None
            setattr(obj, key, value)
        row[name] = value
    return row


def count_all(session: Session, model: type[Any]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@dataclass(frozen=True)
class OrderQuery:
    """What a list asks for, and where this level keeps its party columns."""

    counterparty_field: str  # the party a list shows (distributor, or retailer)
    party_fields: tuple[str, ...]  # columns ``party_id`` is matched against
    search_fields: tuple[str, ...] = ()  # extra text columns searched besides number and party
    status: OrderStatus | None = None
    party_id: uuid.UUID | None = None
    since: date | None = None  # inclusive order date
    until: date | None = None  # inclusive order date
    search: str = ""
    site_ids: Sequence[uuid.UUID] | None = field(default=None)


def _filtered(model: type[Any], query: OrderQuery, columns: Sequence[Any]) -> Select[Any]:
    counterparty = getattr(model, query.counterparty_field)
    stmt = select(*columns).select_from(model).join(Party, Party.id == counterparty)
    if query.status is not None:
        stmt = stmt.where(model.status == query.status)
    if query.party_id is not None:
        stmt = stmt.where(or_(*(getattr(model, f) == query.party_id for f in query.party_fields)))
    if query.since is not None:
        stmt = stmt.where(model.order_date >= query.since)
    if query.until is not None:
        stmt = stmt.where(model.order_date <= query.until)
    if query.site_ids is not None:
        stmt = stmt.where(model.site_id.in_(list(query.site_ids)))
    texts = [func.lower(model.number), Party.search_key]
    texts += [func.lower(getattr(model, f)) for f in query.search_fields]
    words = search_crud.all_words(query.search, *texts)
    if words is not None:
        stmt = stmt.where(words)
    return stmt


SORT_KEYS = ("order_date", "number", "status", "total_amount", "created_at", "counterparty")


def page_rows(
    session: Session,
    model: type[Any],
    *,
    query: OrderQuery,
    level: str,
    sort: str = "-order_date",
    offset: int = 0,
    limit: int = 200,
) -> list[RowMapping]:
    """Header rows with the counterparty's code and name; ``sort`` is a key, ``-`` for descending.

    The order number breaks ties, so paging is stable.
    """
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORT_KEYS:
        raise ValueError(f"unknown sort key {key!r}; one of {', '.join(SORT_KEYS)}")
    sort_col = Party.sort_key if key == "counterparty" else getattr(model, key)
    columns = [
        model.id,
        literal(level).label("level"),
        model.number,
        model.site_id,
        model.order_date,
        model.status,
        model.total_amount,
        model.version,
        Party.id.label("counterparty_id"),
        Party.code.label("counterparty_code"),
        Party.name.label("counterparty_name"),
        model.created_at,
    ]
    stmt = _filtered(model, query, columns)
    if descending:
        stmt = stmt.order_by(sort_col.desc(), model.number.desc())
    else:
        stmt = stmt.order_by(sort_col.asc(), model.number.asc())
    stmt = stmt.offset(offset).limit(limit)
    return list(session.execute(stmt).mappings())


def count_rows(session: Session, model: type[Any], *, query: OrderQuery) -> int:
    return session.scalar(_filtered(model, query, [func.count(model.id)])) or 0
