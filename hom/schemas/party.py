"""Distributors and retailers in and out.

A party's kind is fixed once created (orders of each level point at parties of one kind), so the
update schema has no ``kind``.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from pydantic import Field, field_validator

from hom.core import text
from hom.models.enums import PartyKind
from hom.schemas.base import PublicSchema, Schema, SyncedRowSync
from hom.schemas.gst import Gstin
from hom.schemas.site import check_code

_PHONE = re.compile(r"^[0-9+()\- ]*$")


def check_phone(value: str) -> str:
    """Phone numbers as people write them: digits, spaces, ``+``, ``-`` and brackets."""
    if not _PHONE.match(value):
        raise ValueError("may hold only digits, spaces, '+', '-' and brackets")
    return value


def _not_cleared(value: Any) -> Any:
    if value is None:
        raise ValueError("cannot be cleared")
    return value


PartyName = Annotated[str, Field(min_length=1, max_length=160)]
Phone = Annotated[str, Field(max_length=32)]
Address = Annotated[str, Field(max_length=300), text.MULTILINE]


class PartyCreate(Schema):
    kind: PartyKind
    code: str = Field(max_length=32)
    name: PartyName
    territory_id: uuid.UUID = Field(description="a geography node at level territory")
    distributor_id: uuid.UUID | None = Field(
        default=None, description="a retailer's distributor (an active distributor party)"
    )
    phone: Phone = ""
    address: Address = ""
    active: bool = True
    gstin: Gstin = Field(default="", description="15 characters; empty for an unregistered party")

    _code = field_validator("code")(check_code)
    _phone = field_validator("phone")(check_phone)


class PartyUpdate(Schema):
    """Only the fields given change; ``distributor_id=None`` given explicitly clears it."""

    code: str | None = Field(default=None, max_length=32)
    name: PartyName | None = None
    territory_id: uuid.UUID | None = None
    distributor_id: uuid.UUID | None = None
    phone: Phone | None = None
    address: Address | None = None
    active: bool | None = None
    gstin: Gstin | None = None

    @field_validator("code")
    @classmethod
    def _code(cls, value: str | None) -> str:
        return check_code(_not_cleared(value))

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str:
        return check_phone(_not_cleared(value))

    _required = field_validator("name", "territory_id", "address", "active", "gstin")(_not_cleared)


class PartyPublic(PublicSchema):
    id: uuid.UUID
    kind: PartyKind
    code: str
    name: str
    territory_id: uuid.UUID
    distributor_id: uuid.UUID | None
    phone: str
    address: str
    active: bool
    gstin: str


class PartySync(SyncedRowSync):
    kind: PartyKind
    code: str
    name: str
    territory_id: uuid.UUID
    distributor_id: uuid.UUID | None = None
    phone: str
    address: str
    active: bool
    gstin: str = ""
