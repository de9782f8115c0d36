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

import enum
import json
import types
import typing
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy.orm import Session

from hom.core.clock import utcnow
from hom.crud import outbox as outbox_crud
from hom.models.outbox import OutboxEntry
from hom.schemas.sync import PAYLOAD_VERSION, ChangeItem, Operation
from hom.services.context import ActorContext
from hom.sync.entities import LEDGER, schema_for


def snapshot(entity: str, row: Any) -> dict[str, Any]:
    """The JSON snapshot of ``row`` (an ORM object or a mapping) by the entity's sync schema.

    A mapping is a bulk-written row: it holds every column, local ones (search keys) included,
    so only the schema's fields are taken from it, as ``from_attributes`` does for an object."""
    schema = schema_for(entity)
    if isinstance(row, Mapping):
        row = {name: row[name] for name in schema.model_fields if name in row}
    return schema.model_validate(row).model_dump(mode="json")


def _json_converter(annotation: Any) -> Callable[[Any], Any] | None:
    """How ``model_dump(mode="json")`` writes a value of a plain field type (None: as it is)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        annotation = args[0]
    if annotation is uuid.UUID:
        return str
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return lambda value: annotation(value).value
    if annotation in (datetime, date):
        return to_jsonable_python
    if annotation in (int, str):
        return None
    raise TypeError(f"no direct JSON form for {annotation!r}: snapshot it through its schema")


@cache
def _ledger_plan() -> tuple[tuple[str, Any, Callable[[Any], Any] | None], ...]:
    """(field, default, converter) for every field of the ledger's sync schema, in order."""
    return tuple(
        (name, None if info.is_required() else info.default, _json_converter(info.annotation))
        for name, info in schema_for(LEDGER).model_fields.items()
    )


def _each_once(values: list[Any], convert: Callable[[Any], Any]) -> list[Any]:
    """``convert`` of each value, called once per run of the same object (a voucher's rows share
    their voucher, time, location and user objects)."""
    out: list[Any] = []
    last_in: Any = _UNSET
    last_out: Any = None
    for value in values:
        if value is not last_in:
            last_in, last_out = value, convert(value)
        out.append(last_out)
    return out


def _ledger_columns(rows: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    """The rows' values field by field, each as ``model_dump(mode="json")`` writes it."""
    columns = []
    for name, default, convert in _ledger_plan():
        values = [row.get(name, default) for row in rows]
        if convert is not None:
            values = _each_once(values, lambda v, c=convert: None if v is None else c(v))
        columns.append(values)
    return columns


def ledger_payloads(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The snapshots of bulk-written ledger rows, built directly: equal to ``snapshot(LEDGER,
    row)`` for each (a test holds them equal) without a pydantic model per row, which was most
    of the time of posting stock."""
    names = [name for name, _, _ in _ledger_plan()]
    columns = _ledger_columns(rows)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def ledger_payload_texts(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """``ledger_payloads`` as JSON text, ready for the outbox's payload column: each distinct
    object of a column encoded once (a voucher's rows share their time, user, voucher,
    locations and products) and the rows filled into one template, instead of a
    ``json.dumps`` of a dict per row."""
    template = "{" + ", ".join(f"{json.dumps(name)}: %s" for name, _, _ in _ledger_plan()) + "}"
    columns = []
    for name, default, convert in _ledger_plan():
        values = [row.get(name, default) for row in rows]
        # Keyed by identity: the rows hold every object alive for the length of the call.
        distinct = dict(zip(map(id, values), values, strict=True))
        encoded = {key: _json_text(value, convert) for key, value in distinct.items()}
        columns.append(list(map(encoded.__getitem__, map(id, values))))
    return [template % values for values in zip(*columns, strict=True)]


def _json_text(value: Any, convert: Callable[[Any], Any] | None) -> str:
    """``json.dumps`` of the value as ``model_dump(mode="json")`` writes it."""
    kind = type(value)
    if value is None:
        return "null"
    if kind is uuid.UUID:
        return f'"{value}"'  # hex digits and dashes: nothing to escape
    if kind is int:
        return str(value)
    return json.dumps(convert(value) if convert is not None else value)


_UNSET = object()


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
    encoded = entity == LEDGER and isinstance(rows[0], Mapping)
    payloads: Sequence[Any]
    if encoded:
        payloads = ledger_payload_texts(rows)
        entity_ids = [
            row["id"] if isinstance(row["id"], uuid.UUID) else uuid.UUID(str(row["id"]))
            for row in rows
        ]
    else:
        payloads = [snapshot(entity, row) for row in rows]
        entity_ids = [uuid.UUID(payload["id"]) for payload in payloads]
    epoch, first = outbox_crud.reserve(
        session, installation_id=ctx.installation_id, count=len(rows)
    )
    now = utcnow()
    op = operation.value
    outbox_crud.insert(
        session,
        [
            {
                "installation_id": ctx.installation_id,
                "epoch": epoch,
                "seq": first + index,
                "entity": entity,
                "entity_id": entity_id,
                "operation": op,
                "site_id": ctx.site_id,
                "payload_version": PAYLOAD_VERSION,
                "payload": payload,
                "created_at": now,
                "status": outbox_crud.PENDING,
                "attempts": 0,
                "last_error": "",
            }
            for index, (payload, entity_id) in enumerate(zip(payloads, entity_ids, strict=True))
        ],
        payload_is_json=encoded,
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
