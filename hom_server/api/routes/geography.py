"""The geography tree (zone > state > region > area > territory): read by anyone signed in,
changed by holders of ``geography.manage``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from hom.schemas.geography import GeoNodeCreate, GeoNodePublic, GeoNodeRename
from hom.services import geography
from hom_server.api.deps import CurrentCaller, Needs, ReadSession, WriteSession
from hom_server.api.errors import COMMON_RESPONSES
from hom_server.services import feed

router = APIRouter(prefix="/geography", tags=["geography"], responses=COMMON_RESPONSES)
Editor = Needs(geography.PERMISSION)


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parent_id: uuid.UUID | None


@router.get("", response_model=list[GeoNodePublic])
def children(
    caller: CurrentCaller,
    session: ReadSession,
    parent_id: Annotated[uuid.UUID | None, Query(description="None lists the zones")] = None,
) -> list[GeoNodePublic]:
    if parent_id is not None:
        geography.get_node(session, parent_id)  # 404 for an unknown parent
    return [geography.to_public(n) for n in geography.children(session, parent_id)]


@router.get("/{node_id}", response_model=GeoNodePublic)
def get_node(node_id: uuid.UUID, caller: CurrentCaller, session: ReadSession) -> GeoNodePublic:
    return geography.to_public(geography.get_node(session, node_id))


@router.post("", response_model=GeoNodePublic, status_code=201)
def create_node(body: GeoNodeCreate, caller: Editor, session: WriteSession) -> GeoNodePublic:
    node = geography.create_node(session, ctx=caller.ctx, node_in=body)
    feed.capture_changes(session)
    return geography.to_public(node)


@router.patch("/{node_id}", response_model=GeoNodePublic)
def rename_node(
    node_id: uuid.UUID, body: GeoNodeRename, caller: Editor, session: WriteSession
) -> GeoNodePublic:
    node = geography.rename_node(session, ctx=caller.ctx, node_id=node_id, name=body)
    feed.capture_changes(session)
    return geography.to_public(node)


@router.post("/{node_id}/move", response_model=GeoNodePublic)
def move_node(
    node_id: uuid.UUID, body: MoveIn, caller: Editor, session: WriteSession
) -> GeoNodePublic:
    node = geography.move_node(
        session, ctx=caller.ctx, node_id=node_id, new_parent_id=body.parent_id
    )
    feed.capture_changes(session)
    return geography.to_public(node)


@router.delete("/{node_id}", status_code=204)
def delete_node(node_id: uuid.UUID, caller: Editor, session: WriteSession) -> None:
    geography.delete_node(session, ctx=caller.ctx, node_id=node_id)
    feed.capture_changes(session)
