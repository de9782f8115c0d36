"""Queueing changes: every synced write calls ``queue`` in its own transaction.

A queued row is exactly what a ``hom.schemas.sync.ChangeItem`` needs: the writer's identity
``(installation_id, epoch, seq)``, the entity and row id, the operation, the writing site, and a
versioned, self-contained snapshot of the row built from the entity's sync schema
(``hom.sync.entities``). A delete queues a tombstone: operation ``delete`` with the row's last
snapshot.

Changes written on behalf of another installation (the demo loader replaying other sites'
history, a sync applier writing what arrived) are not this installation's changes: a context
with ``queues_changes`` False queues nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from hom.core.clock import utcnow
from hom.crud import outbox as outbox_crud
from hom.models.outbox import OutboxEntry
from hom.schemas.sync import PAYLOAD_VERSION, ChangeItem, Operation
from hom.services.context import ActorContext
from hom.sync.entities import schema_for


def snapshot(entity: str, row: Any) -> dict[str, Any]:
    """The JSON snapshot of ``row`` (an ORM object or a mapping) by the entity's sync schema.

    A mapping is a bulk-written row: it holds every column, local ones (search keys) included,
    so only the schema's fields are taken from it, as ``from_attributes`` does for an object."""
    schema = schema_for(entity)
    if isinstance(row, Mapping):
        row = {name: row[name] for name in schema.model_fields if name in row}
    return schema.model_validate(row).model_dump(mode="json")


def queue(
    session: Session,
    *,
    ctx: ActorContext,
    entity: str,
    rows: Sequence[Any],
    operation: Operation | str,
) -> None:
    """Queue one change-log row per row of ``rows`` (ORM objects or column mappings)."""
    if not rows or not ctx.queues_changes:
        return
    operation = Operation(operation)
    if not isinstance(rows[0], Mapping):
        session.flush()  # ORM rows: defaults, versions and timestamps filled in first
    payloads = [snapshot(entity, row) for row in rows]
    epoch, first = outbox_crud.reserve(
        session, installation_id=ctx.installation_id, count=len(rows)
    )
    now = utcnow()
    outbox_crud.insert(
        session,
        [
            {
                "installation_id": ctx.installation_id,
                "epoch": epoch,
                "seq": first + index,
                "entity": entity,
                "entity_id": uuid.UUID(payload["id"]),
                "operation": operation.value,
                "site_id": ctx.site_id,
                "payload_version": PAYLOAD_VERSION,
                "payload": payload,
                "created_at": now,
                "status": outbox_crud.PENDING,
                "attempts": 0,
                "last_error": "",
            }
            for index, payload in enumerate(payloads)
        ],
    )


def to_change_item(row: OutboxEntry) -> ChangeItem:
    """A queued row as it is pushed."""
    return ChangeItem(
        seq=row.seq,
        entity=row.entity,
        entity_id=row.entity_id,
        operation=Operation(row.operation),
        site_id=row.site_id,
        payload_version=row.payload_version,
        payload=row.payload,
        created_at=row.created_at,
    )
