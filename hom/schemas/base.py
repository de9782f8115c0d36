"""Schema plumbing: one place turns pydantic's errors into the domain's field errors."""

from __future__ import annotations

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
