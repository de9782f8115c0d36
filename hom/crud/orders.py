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

from sqlalchemy import RowMapping, Select, bindparam, func, inspect, literal, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from hom.core.clock import utcnow
from hom.core.ids import new_id
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
    """Write a new order and its lines (``bulk.write_new``: two bulk inserts, then both in the
    session as written)."""
    if order.id is None:
        order.id = new_id()
    lines = list(order.lines)
    for line in lines:
        line.order_id = order.id
    bulk.write_new(session, [order, *lines])
    return order


def save_header(session: Session, order: Any) -> None:
    """Write the changed header columns of a loaded order: one prebuilt ``UPDATE ... WHERE id =
    :id AND version = <the version read>`` that also bumps the version and ``updated_at``, as the
    mapper's flush would, without the unit of work (an order changes status four times).

    Anything else (changed lines, other changes waiting in the session, a new order) goes
    through ``session.flush()``. Raises ``StaleDataError``, as the flush does, when another
    writer changed the order since it was read."""
    state = inspect(order)
    changed = state.committed_state  # attribute -> value as read, for each one set since
    columns = _header_columns(state.mapper)
    if (
        not state.persistent
        or session.new
        or session.deleted
        or any(o is not order for o in session.dirty)
        or any(key not in columns or key in _MANAGED for key in changed)
    ):
        session.flush()
        return
    if not changed:
        return
    read = state.dict["version"]
    values = {columns[key]: state.dict[key] for key in changed}
    values.update(version=read + 1, updated_at=utcnow())
    stmt = _update_statement(state.mapper.local_table, tuple(sorted(values)))
    result = session.connection().execute(stmt, {**values, "b_id": order.id, "b_version": read})
    if result.rowcount != 1:
        raise StaleDataError(f"order {order.id}: version {read} is no longer the stored one")
    for key, value in values.items():
        set_committed_value(order, key, value)
    # Written: clean, as a flush leaves it (else the next query's autoflush would run the unit
    # of work over it again, for nothing).
    state._commit_all(state.dict, session.identity_map)


_MANAGED = frozenset({"version", "updated_at", "id"})  # written by save_header itself
_header_columns_of: dict[Any, dict[str, str]] = {}
_update_statements: dict[tuple[str, tuple[str, ...]], Any] = {}


def _header_columns(mapper: Any) -> dict[str, str]:
    """Attribute -> column of the order header's plain columns."""
    found = _header_columns_of.get(mapper)
    if found is None:
        found = _header_columns_of[mapper] = {
            prop.key: prop.columns[0].key for prop in mapper.column_attrs
        }
    return found


def _update_statement(table: Any, names: tuple[str, ...]) -> Any:
    key = (table.name, names)
    stmt = _update_statements.get(key)
    if stmt is None:
        stmt = _update_statements[key] = (
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
            .values({name: bindparam(name) for name in names})
        )
    return stmt


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
