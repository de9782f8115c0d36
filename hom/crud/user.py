"""SQL for users, roles and permissions."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hom.models.user import Permission, Role, User


def get(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def get_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username_key == username.strip().lower()))


def list_users(
    session: Session, *, search: str = "", limit: int = 500, offset: int = 0
) -> list[User]:
    stmt = select(User).order_by(User.username_key).limit(limit).offset(offset)
    if search:
        pattern = f"%{search.strip().lower()}%"
        stmt = stmt.where(
            or_(User.username_key.like(pattern), func.lower(User.full_name).like(pattern))
        )
    return list(session.scalars(stmt))


def count_users(session: Session, *, search: str = "") -> int:
    stmt = select(func.count()).select_from(User)
    if search:
        pattern = f"%{search.strip().lower()}%"
        stmt = stmt.where(
            or_(User.username_key.like(pattern), func.lower(User.full_name).like(pattern))
        )
    return session.scalar(stmt) or 0


def add(session: Session, user: User) -> User:
    session.add(user)
    session.flush()
    return user


def get_role(session: Session, name: str) -> Role | None:
    return session.scalar(select(Role).where(func.lower(Role.name) == name.strip().lower()))


def get_roles(session: Session, names: Iterable[str]) -> dict[str, Role]:
    wanted = {n.strip().lower() for n in names}
    rows = session.scalars(select(Role).where(func.lower(Role.name).in_(wanted)))
    return {r.name.lower(): r for r in rows}


def list_roles(session: Session) -> list[Role]:
    return list(session.scalars(select(Role).order_by(Role.name)))


def add_role(session: Session, role: Role) -> Role:
    session.add(role)
    session.flush()
    return role


def get_permissions(session: Session) -> dict[str, Permission]:
    return {p.code: p for p in session.scalars(select(Permission))}


def add_permission(session: Session, permission: Permission) -> Permission:
    session.add(permission)
    session.flush()
    return permission
