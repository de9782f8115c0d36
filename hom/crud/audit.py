"""SQL for the audit log."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hom.core.clock import utcnow
from hom.core.ids import new_id
from hom.crud import bulk
from hom.models.audit import AuditEntry


def add(
    session: Session,
    *,
    user_id: uuid.UUID | None,
    installation_id: uuid.UUID | None,
    action: str,
    entity: str,
    entity_id: uuid.UUID | None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
) -> None:
    """One audit row, written straight away (no ORM object: audit rows are never read back in
    the transaction that writes them, and every write makes one)."""
    bulk.insert_rows(
        session,
        AuditEntry.__table__,
        [
            {
                "id": new_id(),
                "at": utcnow(),
                "user_id": user_id,
                "installation_id": installation_id,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "summary": summary[:300],
                "changes": changes,
            }
        ],
    )


def add_many(
    session: Session,
    *,
    user_id: uuid.UUID | None,
    installation_id: uuid.UUID | None,
    action: str,
    entity: str,
    entries: list[tuple[uuid.UUID, str]],
) -> None:
    """One audit row per (entity id, summary), in one statement (a bulk write)."""
    at = utcnow()
    bulk.insert_rows(
        session,
        AuditEntry.__table__,
        [
            {
                "id": new_id(),
                "at": at,
                "user_id": user_id,
                "installation_id": installation_id,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "summary": summary[:300],
                "changes": None,
            }
            for entity_id, summary in entries
        ],
    )


def for_entity(session: Session, *, entity: str, entity_id: uuid.UUID) -> list[AuditEntry]:
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return list(session.scalars(stmt))


def recent(session: Session, *, limit: int = 100) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.at.desc()).limit(limit)))
