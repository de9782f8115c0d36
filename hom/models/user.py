"""Users, roles and permissions (many-to-many both ways)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hom.models.base import Base, IdMixin, SyncedMixin, UTCDateTime

role_permissions = Table(
    "role_permissions",
    Base.metadata,
    Column("role_id", Uuid, ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "permission_id", Uuid, ForeignKey("permissions.id", ondelete="CASCADE"), primary_key=True
    ),
)

user_roles = Table(
    "user_roles",
    Base.metadata,
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", Uuid, ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)


class Permission(IdMixin, Base):
    __tablename__ = "permissions"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")


class Role(IdMixin, Base):
    __tablename__ = "roles"

    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    permissions: Mapped[list[Permission]] = relationship(
        secondary=role_permissions, lazy="selectin"
    )

    @property
    def permission_codes(self) -> list[str]:
        return sorted(p.code for p in self.permissions)


class User(SyncedMixin, Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64))
    username_key: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id"), default=None)
    geo_node_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("geo_nodes.id"), default=None)
    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin")
    sign_in: Mapped[UserSignIn | None] = relationship(
        lazy="selectin", cascade="all, delete-orphan", uselist=False
    )

    @property
    def permission_codes(self) -> frozenset[str]:
        return frozenset(p.code for role in self.roles for p in role.permissions)

    @property
    def role_names(self) -> list[str]:
        return sorted(r.name for r in self.roles)

    # Sign-in state lives in this installation's own table (it never syncs); read it here.
    @property
    def failed_logins(self) -> int:
        return self.sign_in.failed_logins if self.sign_in else 0

    @property
    def locked_until(self) -> datetime | None:
        return self.sign_in.locked_until if self.sign_in else None

    @property
    def last_login_at(self) -> datetime | None:
        return self.sign_in.last_login_at if self.sign_in else None

    def local_sign_in(self) -> UserSignIn:
        """This installation's sign-in row of the user, made on first use."""
        if self.sign_in is None:
            self.sign_in = UserSignIn(failed_logins=0)
        return self.sign_in


class UserSignIn(Base):
    """Sign-in state of a user on this installation: failed attempts, lockout, last sign-in.

    Local only, never synced: signing in must not change a synced row. A password hash renewed
    at sign-in (newer argon2 parameters) is kept here too, valid while the synced hash it
    replaced (``rehashed_from``) is still the user's hash.
    """

    __tablename__ = "user_sign_in"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    rehashed_from: Mapped[str] = mapped_column(String(200), default="")
