"""Installations enrol with a one-time code and get a device credential; admins revoke them."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from hom_server.api.deps import Needs, ReadSession, SettingsDep, WriteSession
from hom_server.api.errors import COMMON_RESPONSES
from hom_server.models import Device
from hom_server.services import devices as devices_service

router = APIRouter(prefix="/devices", tags=["devices"], responses=COMMON_RESPONSES)

Admin = Needs(devices_service.ENROL_PERMISSION)


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site: str | None = Field(default=None, min_length=1, max_length=16, description="site code")
    geo_node: str | None = Field(
        default=None, min_length=1, max_length=32, description="geography code (a manager's store)"
    )
    hours: int | None = Field(default=None, ge=1, le=720, description="valid for; default 72")
    label: str = Field(default="", max_length=120)

    @model_validator(mode="after")
    def _one_scope(self) -> CodeIn:
        if (self.site is None) == (self.geo_node is None):
            raise ValueError("give either 'site' or 'geo_node'")
        return self


class CodeOut(BaseModel):
    code: str = Field(description="shown once; give it to the installation that enrols")
    expires_at: datetime
    site_id: uuid.UUID | None
    geo_node_id: uuid.UUID | None
    label: str


class EnrolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=4, max_length=40, repr=False)
    installation_id: uuid.UUID
    name: str = Field(default="", max_length=120)
    app_version: str = Field(default="", max_length=40)


class Enrolment(BaseModel):
    device_id: uuid.UUID
    credential: str = Field(description="shown once; send it as 'Authorization: Bearer ...'")
    site_id: uuid.UUID | None
    geo_node_id: uuid.UUID | None


class DevicePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    site_id: uuid.UUID | None
    geo_node_id: uuid.UUID | None
    installation_id: uuid.UUID
    enrolled_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None
    clock_offset_ms: int | None
    app_version: str


@router.post("/codes", response_model=CodeOut, status_code=201)
def create_code(
    body: CodeIn, caller: Admin, session: WriteSession, settings: SettingsDep
) -> CodeOut:
    """A one-time enrolment code for a site's installation, or for a manager's store."""
    issued = devices_service.create_code(
        session,
        ctx=caller.ctx,
        site_code=body.site,
        geo_code=body.geo_node,
        hours=body.hours or settings.enrolment_code_hours,
        label=body.label,
    )
    r = issued.record
    return CodeOut(
        code=issued.code,
        expires_at=r.expires_at,
        site_id=r.site_id,
        geo_node_id=r.geo_node_id,
        label=r.label,
    )


@router.post("/enrol", response_model=Enrolment, status_code=201)
def enrol(body: EnrolIn, session: WriteSession) -> Enrolment:
    """Exchange a code for this installation's device credential (once)."""
    enrolled = devices_service.enrol(
        session,
        code=body.code,
        installation_id=body.installation_id,
        name=body.name,
        app_version=body.app_version,
    )
    d = enrolled.device
    return Enrolment(
        device_id=d.id, credential=enrolled.credential, site_id=d.site_id, geo_node_id=d.geo_node_id
    )


@router.get("", response_model=list[DevicePublic])
def list_devices(
    caller: Admin,
    session: ReadSession,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> list[DevicePublic]:
    rows = devices_service.list_devices(session, ctx=caller.ctx, limit=limit, offset=offset)
    return [DevicePublic.model_validate(d) for d in rows]


@router.post("/{device_id}/revoke", response_model=DevicePublic)
def revoke(device_id: uuid.UUID, caller: Admin, session: WriteSession) -> DevicePublic:
    """Revoke an installation's credential; its next request is refused."""
    device: Device = devices_service.revoke(session, ctx=caller.ctx, device_id=device_id)
    return DevicePublic.model_validate(device)
