"""Loading rows by id, many at a time: the one lookup every domain's crud shares.

Objects the session already holds come from its identity map without a query (a batch job that
keeps its master data alive reads it once); the rest are loaded a few hundred ids per query,
under SQLite's limit on bound variables.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

T = TypeVar("T")

CHUNK = 400


def by_ids(session: Session, model: type[T], ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, T]:
    """``{id: object}`` for the ids that exist (None ids are ignored)."""
    found: dict[uuid.UUID, T] = {}
    missing: list[uuid.UUID] = []
    for row_id in {i for i in ids if i is not None}:
        held = session.identity_map.get(identity_key(model, row_id))
        if held is not None:
            found[row_id] = held
        else:
            missing.append(row_id)
    if not missing:
        return found
    stmt = _by_ids_statement(model)
    for start in range(0, len(missing), CHUNK):
        chunk = missing[start : start + CHUNK]
        found.update({obj.id: obj for obj in session.scalars(stmt, {"ids": chunk})})
    return found


_statements: dict[type, Select] = {}


def _by_ids_statement(model: type) -> Select:
    """``SELECT model WHERE id IN (:ids)``, built once per model (a hot path: building a
    statement costs several times what running a cached one does)."""
    stmt = _statements.get(model)
    if stmt is None:
        id_column = model.id  # type: ignore[attr-defined]
        stmt = _statements[model] = select(model).where(
            id_column.in_(bindparam("ids", expanding=True))
        )
    return stmt


def like_contains(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its wildcards escaped (escape char ``\\``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
