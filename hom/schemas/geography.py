"""Geography nodes in and out.

The level travels as ``GeoLevel`` but is also accepted by name (``"territory"``) or number, so a
CSV file and a form's combo box feed the same schema.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator

from hom.models.enums import GeoLevel
from hom.schemas.base import PublicSchema, Schema, SyncedRowSync
from hom.schemas.site import check_code

LEVEL_NAMES = ", ".join(level.name.lower() for level in GeoLevel)


def parse_level(value: Any) -> Any:
    """``GeoLevel`` from a level, its number (1..5) or its name (``zone`` … ``territory``)."""
    if isinstance(value, GeoLevel):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            value = int(text)
        else:
            try:
                return GeoLevel[text.upper()]
            except KeyError:
                raise ValueError(f"must be one of {LEVEL_NAMES}") from None
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return GeoLevel(value)
        except ValueError:
            raise ValueError(f"must be one of {LEVEL_NAMES} (1 to 5)") from None
    raise ValueError(f"must be one of {LEVEL_NAMES}")


Level = Annotated[GeoLevel, BeforeValidator(parse_level)]
NodeName = Annotated[str, Field(min_length=1, max_length=120)]


class GeoNodeCreate(Schema):
    level: Level
    code: str = Field(max_length=32)
    name: NodeName
    parent_id: uuid.UUID | None = Field(
        default=None, description="the node one level above; None for a zone"
    )

    _code = field_validator("code")(check_code)


class GeoNodeRename(Schema):
    name: NodeName


class GeoNodePublic(PublicSchema):
    id: uuid.UUID
    level: GeoLevel
    parent_id: uuid.UUID | None
    code: str
    name: str


class GeoNodeSync(SyncedRowSync):
    level: int
    parent_id: uuid.UUID | None = None
    code: str
    name: str
