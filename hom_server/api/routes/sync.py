"""The sync API enrolled installations use: handshake, push, pull (see docs/sync-api.md)."""

from __future__ import annotations

from fastapi import APIRouter, Query

from hom.schemas.sync import (
    MAX_PULL_LIMIT,
    CheckCounts,
    EpochRegistered,
    EpochRegistration,
    Handshake,
    HandshakeAnswer,
    PullPage,
    PushAnswer,
    PushRequest,
)
from hom_server.api.deps import CurrentDevice, ReadSession, SettingsDep, WriteSession
from hom_server.api.errors import COMMON_RESPONSES, ErrorBody
from hom_server.services import check as check_service
from hom_server.services import sync as sync_service

router = APIRouter(prefix="/sync", tags=["sync"], responses=COMMON_RESPONSES)


@router.post("/handshake", response_model=HandshakeAnswer)
def handshake(
    hello: Handshake, device: CurrentDevice, session: WriteSession, settings: SettingsDep
) -> HandshakeAnswer:
    """Versions first: an incompatible client is told who must update to what, and pushes
    nothing."""
    device = session.merge(device)
    return sync_service.handshake(session, device=device, hello=hello, settings=settings)


@router.post(
    "/push",
    response_model=PushAnswer,
    responses={426: {"model": ErrorBody, "description": "payloads newer than this server"}},
)
def push(request: PushRequest, device: CurrentDevice, session: WriteSession) -> PushAnswer:
    """Apply a batch of one (installation, epoch)'s change log, exactly once and in order."""
    device = session.merge(device)
    return sync_service.push(session, device=device, request=request)


@router.get("/pull", response_model=PullPage)
def pull(
    device: CurrentDevice,
    session: ReadSession,
    cursor: str | None = Query(None, max_length=64, description="next_cursor of the last page"),
    limit: int = Query(1000, ge=1, le=MAX_PULL_LIMIT),
) -> PullPage:
    """Every change this installation may see after ``cursor``, in commit order."""
    return sync_service.pull(session, device=device, cursor=cursor, limit=limit)


@router.post("/epochs", response_model=EpochRegistered)
def register_epoch(
    registration: EpochRegistration, device: CurrentDevice, session: WriteSession
) -> EpochRegistered:
    """A restored or copied store registers its new epoch before it pushes from it."""
    device = session.merge(device)
    return check_service.register_epoch(session, device=device, registration=registration)


@router.get("/check", response_model=CheckCounts)
def check(
    device: CurrentDevice,
    session: ReadSession,
    cursor: str | None = Query(None, max_length=64, description="the installation's cursor"),
) -> CheckCounts:
    """The sanity check's server side: per entity, how many rows this installation should
    hold, having pulled through ``cursor`` (its own pushes included)."""
    return check_service.counts(session, device=device, cursor=cursor)
