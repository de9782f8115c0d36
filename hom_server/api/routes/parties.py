"""Distributors and retailers: read by anyone signed in, changed by ``parties.manage``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from hom.models.enums import PartyKind
from hom.schemas.party import PartyCreate, PartyPublic, PartyUpdate
from hom.services import parties
from hom_server.api.deps import CurrentCaller, Needs, ReadSession, WriteSession
from hom_server.api.errors import COMMON_RESPONSES
from hom_server.api.paging import Limit, Offset, Page
from hom_server.services import feed

router = APIRouter(prefix="/parties", tags=["parties"], responses=COMMON_RESPONSES)
SORT_HELP = f"one of {', '.join(parties.SORT_KEYS)}"
Editor = Needs(parties.PERMISSION)


@router.get("", response_model=Page[PartyPublic])
def list_parties(
    caller: CurrentCaller,
    session: ReadSession,
    kind: PartyKind | None = None,
    territory_id: Annotated[uuid.UUID | None, Query(description="a node: all below it")] = None,
    search: str = Query("", max_length=120),
    active: bool | None = None,
    sort: str = Query("code", max_length=32, description=SORT_HELP),
    descending: bool = False,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[PartyPublic]:
    filters = {"kind": kind, "territory_id": territory_id, "search": search, "active": active}
    rows = parties.page_parties(
        session, **filters, sort=sort, descending=descending, offset=offset, limit=limit
    )
    return Page(
        items=[parties.to_public(p) for p in rows],
        total=parties.count_parties(session, **filters),
        offset=offset,
        limit=limit,
    )


@router.get("/{party_id}", response_model=PartyPublic)
def get_party(party_id: uuid.UUID, caller: CurrentCaller, session: ReadSession) -> PartyPublic:
    return parties.to_public(parties.get_party(session, party_id))


@router.post("", response_model=PartyPublic, status_code=201)
def create_party(body: PartyCreate, caller: Editor, session: WriteSession) -> PartyPublic:
    party = parties.create_party(session, ctx=caller.ctx, party_in=body)
    feed.capture_changes(session)
    return parties.to_public(party)


@router.patch("/{party_id}", response_model=PartyPublic)
def update_party(
    party_id: uuid.UUID, body: PartyUpdate, caller: Editor, session: WriteSession
) -> PartyPublic:
    party = parties.update_party(session, ctx=caller.ctx, party_id=party_id, party_in=body)
    feed.capture_changes(session)
    return parties.to_public(party)
