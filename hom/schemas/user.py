"""Users in and out. Passwords only ever travel inward; no output schema carries a hash."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, field_validator

from hom.core import text
from hom.core.security import MIN_PASSWORD_LENGTH
from hom.schemas.base import PublicSchema, Schema, SyncedRowSync, SyncSchema

_USERNAME = re.compile(r"^[A-Za-z0-9._-]{3,64}$")


def _check_username(value: str) -> str:
    if not _USERNAME.fullmatch(value):
        raise ValueError("must be 3 to 64 characters: letters, digits, dot, underscore or hyphen")
    return value


def _check_password(value: str) -> str:
    if len(value) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if value.strip() != value:
        raise ValueError("must not start or end with spaces")
    return value


class UserCreate(Schema):
    model_config = Schema.model_config | {"str_strip_whitespace": False}

    username: str
    password: Annotated[str, text.SECRET] = Field(repr=False)
    full_name: str = Field(default="", max_length=120)
    roles: list[str] = Field(min_length=1, description="role names, e.g. 'depot clerk'")
    site_id: uuid.UUID | None = None
    geo_node_id: uuid.UUID | None = None

    _username = field_validator("username")(_check_username)
    _password = field_validator("password")(_check_password)


class UserUpdate(Schema):
    """Only the fields given change; ``site_id`` / ``geo_node_id`` given as None clear the scope,
    the other fields cannot be cleared."""

    full_name: str | None = Field(default=None, max_length=120)
    roles: list[str] | None = Field(default=None, min_length=1)
    site_id: uuid.UUID | None = None
    geo_node_id: uuid.UUID | None = None
    active: bool | None = None

    @field_validator("full_name", "roles", "active")
    @classmethod
    def _not_cleared(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be cleared")
        return value


class PasswordReset(Schema):
    model_config = Schema.model_config | {"str_strip_whitespace": False}

    new_password: Annotated[str, text.SECRET] = Field(repr=False)

    _password = field_validator("new_password")(_check_password)


class UserPublic(PublicSchema):
    id: uuid.UUID
    username: str
    full_name: str
    active: bool
    failed_logins: int
    locked_until: datetime | None
    last_login_at: datetime | None
    site_id: uuid.UUID | None
    geo_node_id: uuid.UUID | None
    role_names: list[str]


class RoleSync(SyncSchema):
    """A role by name with its permission codes (each store seeds its own role rows, so roles
    are matched by name, not id)."""

    id: uuid.UUID
    name: str
    description: str
    permission_codes: list[str]


class UserSync(SyncedRowSync):
    """A user as every store needs it to sign them in offline; sign-in state is not part of it
    (it is each installation's own)."""

    username: str
    full_name: str
    password_hash: str
    active: bool
    site_id: uuid.UUID | None = None
    geo_node_id: uuid.UUID | None = None
    role_names: list[str]
