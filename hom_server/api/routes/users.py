"""Users and roles: read and managed by holders of ``users.manage`` (the head office)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from pydantic import BaseModel

from hom.schemas.user import PasswordReset, UserCreate, UserPublic, UserUpdate
from hom.services import users
from hom_server.api.deps import Needs, ReadSession, WriteSession
from hom_server.api.errors import COMMON_RESPONSES
from hom_server.api.paging import Limit, Offset, Page
from hom_server.services import feed

router = APIRouter(prefix="/users", tags=["users"], responses=COMMON_RESPONSES)
Manager = Needs("users.manage")


class RolePublic(BaseModel):
    name: str
    description: str
    permissions: list[str]


@router.get("", response_model=Page[UserPublic])
def list_users(
    caller: Manager,
    session: ReadSession,
    search: str = Query("", max_length=64, description="part of the username or full name"),
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[UserPublic]:
    rows = users.list_users(session, search=search, limit=limit, offset=offset)
    return Page(
        items=[users.to_public(u) for u in rows],
        total=users.count_users(session, search=search),
        offset=offset,
        limit=limit,
    )


@router.get("/roles", response_model=list[RolePublic])
def list_roles(caller: Manager, session: ReadSession) -> list[RolePublic]:
    return [
        RolePublic(
            name=r.name,
            description=r.description,
            permissions=sorted(p.code for p in r.permissions),
        )
        for r in users.list_roles(session)
    ]


@router.get("/{user_id}", response_model=UserPublic)
def get_user(user_id: uuid.UUID, caller: Manager, session: ReadSession) -> UserPublic:
    return users.to_public(users.get_user(session, user_id))


@router.post("", response_model=UserPublic, status_code=201)
def create_user(body: UserCreate, caller: Manager, session: WriteSession) -> UserPublic:
    user = users.create_user(session, ctx=caller.ctx, user_in=body)
    feed.capture_changes(session)
    return users.to_public(user)


@router.patch("/{user_id}", response_model=UserPublic)
def update_user(
    user_id: uuid.UUID, body: UserUpdate, caller: Manager, session: WriteSession
) -> UserPublic:
    user = users.update_user(session, ctx=caller.ctx, user_id=user_id, user_in=body)
    feed.capture_changes(session)
    return users.to_public(user)


@router.post("/{user_id}/password", response_model=UserPublic)
def reset_password(
    user_id: uuid.UUID, body: PasswordReset, caller: Manager, session: WriteSession
) -> UserPublic:
    user = users.reset_password(session, ctx=caller.ctx, user_id=user_id, reset_in=body)
    feed.capture_changes(session)
    return users.to_public(user)


@router.post("/{user_id}/unlock", response_model=UserPublic)
def unlock(user_id: uuid.UUID, caller: Manager, session: WriteSession) -> UserPublic:
    return users.to_public(users.unlock(session, ctx=caller.ctx, user_id=user_id))
