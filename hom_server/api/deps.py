"""Dependencies as ``Annotated`` aliases, so a route's signature reads like a sentence:
``def list_users(session: ReadSession, caller: Needs("users.manage"))``.

A writing route's session commits after the route returns and before the response is sent
(``scope="function"``), so a client never hears "saved" about a transaction that then failed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from hom.core.errors import AuthenticationFailed, PermissionDenied
from hom.services.context import ActorContext
from hom.services.permissions import require
from hom_server.core import security
from hom_server.core.config import ServerSettings
from hom_server.core.database import ServerDatabase
from hom_server.models import Device
from hom_server.services import auth as auth_service
from hom_server.services import devices as devices_service

_bearer = HTTPBearer(auto_error=False, description="an access token, or a device credential")


def get_db(request: Request) -> ServerDatabase:
    return request.app.state.db


def get_settings(request: Request) -> ServerSettings:
    return request.app.state.settings


DbDep = Annotated[ServerDatabase, Depends(get_db)]
SettingsDep = Annotated[ServerSettings, Depends(get_settings)]


def read_session(db: DbDep) -> Iterator[Session]:
    with db.reader() as session:
        yield session


def write_session(db: DbDep) -> Iterator[Session]:
    with db.transaction() as session:
        yield session


ReadSession = Annotated[Session, Depends(read_session, scope="function")]
WriteSession = Annotated[Session, Depends(write_session, scope="function")]


def _token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or not credentials.credentials:
        raise AuthenticationFailed(
            "sign in first: send 'Authorization: Bearer <token>'", field="authorization"
        )
    return credentials.credentials


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


@dataclass(frozen=True)
class Caller:
    """A signed-in person: the shared acting context plus the scope a manager reads within."""

    ctx: ActorContext
    site_id: uuid.UUID | None
    geo_node_id: uuid.UUID | None

    def require(self, permission: str) -> None:
        require(self.ctx, permission)


def current_caller(db: DbDep, settings: SettingsDep, credentials: BearerDep) -> Caller:
    token = _token(credentials)
    if security.is_device_credential(token):
        raise PermissionDenied(
            "a device credential serves only the sync routes; people sign in at /auth/login",
            field="authorization",
        )
    with db.reader() as session:
        user = auth_service.current_user(session, settings, access_token=token)
        return Caller(
            ctx=auth_service.context_for(session, user=user),
            site_id=user.site_id,
            geo_node_id=user.geo_node_id,
        )


CurrentCaller = Annotated[Caller, Depends(current_caller)]


class _Permission:
    """A dependency that lets a route run only for a caller holding ``code``."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __call__(self, caller: CurrentCaller) -> Caller:
        caller.require(self.code)
        return caller


def Needs(code: str) -> type[Caller]:
    """``caller: Needs("stock.view")``: the signed-in caller, holding that permission."""
    return Annotated[Caller, Depends(_Permission(code))]  # type: ignore[return-value]


def current_device(db: DbDep, credentials: BearerDep) -> Device:
    token = _token(credentials)
    if not security.is_device_credential(token):
        raise PermissionDenied(
            "the sync routes take an enrolled installation's device credential, not a person's "
            "token: enrol the installation with a code from the head office",
            field="authorization",
        )
    with db.reader() as session:
        return devices_service.authenticate(session, credential=token)


CurrentDevice = Annotated[Device, Depends(current_device)]
