"""Recording who changed what: every service write calls ``record`` in its own transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from hom.crud import audit as audit_crud
from hom.services.context import ActorContext


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def record(
    session: Session,
    *,
    ctx: ActorContext,
    action: str,
    entity: str,
    entity_id: uuid.UUID | None,
    summary: str = "",
    changes: dict[str, tuple[Any, Any]] | None = None,
) -> None:
    """One audit row; ``changes`` maps a field to its (old, new) values."""
    audit_crud.add(
        session,
        user_id=ctx.user_id,
        installation_id=ctx.installation_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        summary=summary,
        changes=(
            {k: [_jsonable(old), _jsonable(new)] for k, (old, new) in changes.items()}
            if changes
            else None
        ),
    )


def record_many(
    session: Session,
    *,
    ctx: ActorContext,
    action: str,
    entity: str,
    entries: list[tuple[uuid.UUID, str]],
) -> None:
    """One audit row per (entity id, summary) of a bulk write, written together."""
    audit_crud.add_many(
        session,
        user_id=ctx.user_id,
        installation_id=ctx.installation_id,
        action=action,
        entity=entity,
        entries=entries,
    )


def diff(obj: object, updates: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields of ``updates`` whose value differs from ``obj``'s, as (old, new)."""
    return {k: (getattr(obj, k), v) for k, v in updates.items() if getattr(obj, k) != v}
