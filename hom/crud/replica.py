"""SQL for writing rows exactly as a sync snapshot has them (the sync appliers' crud).

Generic over tables: the appliers in ``hom.sync.apply`` decide which table and which values.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.orm import Session

from hom.crud import bulk
from hom.models.user import user_roles


def current(session: Session, table: Table, row_id: uuid.UUID) -> dict[str, Any] | None:
    """The row as stored now (column -> value), or None."""
    row = session.execute(select(table).where(table.c.id == row_id)).mappings().first()
    return dict(row) if row is not None else None


def insert_row(session: Session, table: Table, values: dict[str, Any]) -> None:
    session.execute(insert(table).values(**values))


def update_row(session: Session, table: Table, row_id: uuid.UUID, values: dict[str, Any]) -> None:
    session.execute(update(table).where(table.c.id == row_id).values(**values))


def delete_row(session: Session, table: Table, row_id: uuid.UUID) -> None:
    session.execute(delete(table).where(table.c.id == row_id))


def replace_children(
    session: Session,
    table: Table,
    *,
    parent_column: str,
    parent_id: uuid.UUID,
    rows: Sequence[dict[str, Any]],
) -> None:
    """Make ``rows`` the only children of ``parent_id`` in ``table``."""
    session.execute(delete(table).where(table.c[parent_column] == parent_id))
    bulk.insert_rows(session, table, list(rows))


def set_user_roles(session: Session, *, user_id: uuid.UUID, role_ids: Sequence[uuid.UUID]) -> None:
    session.execute(delete(user_roles).where(user_roles.c.user_id == user_id))
    if role_ids:
        session.execute(insert(user_roles), [{"user_id": user_id, "role_id": r} for r in role_ids])
