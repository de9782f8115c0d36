"""People sign in: POST /auth/login, /auth/refresh, /auth/logout, GET /auth/me."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from hom.core.errors import DomainError
from hom.schemas.user import UserPublic
from hom.services import users
from hom_server.api.deps import CurrentCaller, DbDep, ReadSession, SettingsDep, WriteSession
from hom_server.api.errors import COMMON_RESPONSES
from hom_server.services import auth as auth_service

router = APIRouter(prefix="/auth", tags=["auth"], responses=COMMON_RESPONSES)


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200, repr=False)


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=200, repr=False)


class Tokens(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds the access token is valid")
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


def _tokens(pair: auth_service.TokenPair, minutes: int) -> Tokens:
    return Tokens(
        access_token=pair.access_token,
        expires_in=minutes * 60,
        access_expires_at=pair.access_expires_at,
        refresh_token=pair.refresh_token,
        refresh_expires_at=pair.refresh_expires_at,
    )


@router.post("/login", response_model=Tokens)
def login(body: LoginIn, request: Request, db: DbDep, settings: SettingsDep) -> Tokens:
    """A short-lived access token and a refresh token for a username and password.

    Failed attempts count towards the account's lockout (as on the desktop) and towards a
    per-address and per-username rate limit kept in the database, so every process sees it.
    """
    client = request.client.host if request.client else "unknown"
    # Each step its own transaction: the attempt is counted (and committed) first, the slow
    # argon2 check runs in a read session holding no write lock, and what it found is recorded
    # (failures and lockouts stick) with the tokens in a short write.
    with db.transaction() as session:
        try:
            auth_service.check_rate(session, settings, username=body.username, client=client)
            limited = None
        except DomainError as exc:
            limited = exc
    if limited is not None:
        raise limited
    with db.reader() as session:
        check = users.check_password(session, username=body.username, password=body.password)
    with db.transaction() as session:
        outcome = auth_service.finish_login(session, settings, check=check)
    if outcome.error is not None:
        raise outcome.error
    assert outcome.tokens is not None
    return _tokens(outcome.tokens, settings.access_token_minutes)


@router.post("/refresh", response_model=Tokens)
def refresh(body: RefreshIn, db: DbDep, settings: SettingsDep) -> Tokens:
    """A new pair for a refresh token, which is used up; reusing a used one signs the user out
    everywhere."""
    # Committed even when refused: a reused token's revocation of the user's sessions must stick.
    error = None
    with db.transaction() as session:
        try:
            pair = auth_service.refresh(session, settings, refresh_token=body.refresh_token)
        except DomainError as exc:  # re-raised below, after the commit
            error = exc
    if error is not None:
        raise error
    return _tokens(pair, settings.access_token_minutes)


@router.post("/logout", status_code=204)
def logout(body: RefreshIn, session: WriteSession) -> None:
    """Revoke a refresh token (the access token expires on its own within minutes)."""
    auth_service.logout(session, refresh_token=body.refresh_token)


@router.get("/me", response_model=UserPublic)
def me(caller: CurrentCaller, session: ReadSession) -> UserPublic:
    assert caller.ctx.user_id is not None
    return users.to_public(users.get_user(session, caller.ctx.user_id))
