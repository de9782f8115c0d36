"""Schema plumbing: one place turns pydantic's errors into the domain's field errors."""

from __future__ import annotations

import types
import typing
import uuid
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from hom.core import text
from hom.core.errors import ValidationFailed

SchemaT = TypeVar("SchemaT", bound=BaseModel)


FieldKind = Literal["text", "multiline", "secret", "number", "other"]


def _kind_of(annotation: Any, metadata: list[Any]) -> FieldKind:
    """What an input field holds, from its type: text (and which sort), a number, or other."""
    if text.SECRET in metadata:
        return "secret"
    if text.MULTILINE in metadata:
        return "multiline"
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        args = typing.get_args(annotation)
        return _kind_of(args[0], [*metadata, *args[1:]])
    if origin in (typing.Union, types.UnionType):
        kinds = {_kind_of(a, metadata) for a in typing.get_args(annotation) if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else "other"
    if origin in (list, tuple, set, frozenset):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        return _kind_of(args[0], metadata) if len(args) == 1 else "other"
    if annotation is str:
        return "text"
    if annotation in (int, Decimal):
        return "number"
    return "other"


@cache
def _field_kinds(schema: type[BaseModel]) -> dict[str, FieldKind]:
    return {
        name: _kind_of(info.annotation, list(info.metadata))
        for name, info in schema.model_fields.items()
    }


def _clean_value(value: Any, kind: FieldKind) -> Any:
    if isinstance(value, list | tuple):
        return type(value)(_clean_value(v, kind) for v in value)
    if not isinstance(value, str):
        return value
    if kind == "text":
        return text.clean(value)
    if kind == "multiline":
        return text.clean(value, multiline=True)
    if kind == "secret":
        return text.check_secret(value)
    if kind == "number":
        return text.check_number_text(value)
    return value


class Schema(BaseModel):
    """Inputs are strict about unknown fields and strip surrounding spaces from text.

    Every text field is cleaned by ``hom.core.text.clean`` (NFC; no control, invisible or
    line-break characters except in ``MULTILINE`` fields), and a number given as text must be
    written in the documented format (``hom.core.text.check_number_text``). This is the one
    place that does it, for the desktop, the CSV import and the server alike.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _clean_input(cls, value: Any, info: ValidationInfo) -> Any:
        kind = _field_kinds(cls).get(info.field_name or "", "other")
        return _clean_value(value, kind)


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
