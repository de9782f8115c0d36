"""Schema plumbing: one place turns pydantic's errors into the domain's field errors."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from hom.core.errors import ValidationFailed

SchemaT = TypeVar("SchemaT", bound=BaseModel)


class Schema(BaseModel):
    """Inputs are strict about unknown fields and strip surrounding spaces from text."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class PublicSchema(BaseModel):
    """Outputs read straight from ORM objects; they are also the sync wire format."""

    model_config = ConfigDict(from_attributes=True)


class SyncSchema(BaseModel):
    """A self-contained snapshot of one synced row, as the change log carries it.

    Read straight from the ORM row (``from_attributes``); dumped with ``mode="json"`` (money as a
    decimal string, dates ISO, ids as text). Each entity's is named ``<Entity>Sync`` and lives
    with the entity's other schemas; ``hom.sync.entities`` maps entity names to them.
    """

    model_config = ConfigDict(from_attributes=True, extra="forbid", frozen=True)


class SyncedRowSync(SyncSchema):
    """The columns every synced row carries (``hom.models.base.SyncedMixin``)."""

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID | None = None
    installation_id: uuid.UUID | None = None


def _field_name(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "input"


def _message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "is invalid"))
    return message.removeprefix("Value error, ")


def validate(schema: type[SchemaT], data: SchemaT | dict[str, Any]) -> SchemaT:
    """``data`` checked against ``schema``; raises ``ValidationFailed`` naming each bad field."""
    if isinstance(data, schema):
        return data
    if isinstance(data, BaseModel):
        data = data.model_dump()
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        errors = [(_field_name(e["loc"]), _message(e)) for e in exc.errors()]
        raise ValidationFailed(errors) from None
