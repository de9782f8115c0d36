"""Installations enrolling with the server: one-time expiring codes, credentials bound to a site
(or to a manager's geography), revocation."""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from hom.core.clock import utcnow
from hom.core.errors import AuthenticationFailed, DomainError, Duplicate, NotFound
from hom.services import geography, sites
from hom.services.context import ActorContext
from hom.services.permissions import require
from hom_server.core import security
from hom_server.crud import devices as devices_crud
from hom_server.models import Device, EnrolmentCode

ENROL_PERMISSION = "sites.manage"


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once; only its digest is stored
    record: EnrolmentCode


@dataclass(frozen=True)
class Enrolled:
    device: Device
    credential: str  # shown once; only its digest is stored


def create_code(
    session: Session,
    *,
    ctx: ActorContext,
    site_code: str | None = None,
    geo_code: str | None = None,
    hours: int,
    label: str = "",
) -> IssuedCode:
    """A one-time code for a site's installation, or (``geo_code``) for a manager's store."""
    require(ctx, ENROL_PERMISSION)
    if (site_code is None) == (geo_code is None):
        raise DomainError("give either a site or a geography node, not both", field="site")
    if not 1 <= hours <= 24 * 30:
        raise DomainError("must be between 1 and 720 hours", field="hours")
    site_id = geo_node_id = None
    if site_code is not None:
        site = sites.get_site_by_code(session, site_code)
        site_id, name = site.id, site.code
    else:
        node = geography.get_node_by_code(session, geo_code or "")
        geo_node_id, name = node.id, node.code
    code = security.new_enrolment_code()
    record = devices_crud.add_code(
        session,
        EnrolmentCode(
            code_hash=security.digest(security.normalise_code(code)),
            site_id=site_id,
            geo_node_id=geo_node_id,
            label=label or name,
            created_by=ctx.user_id,
            expires_at=utcnow() + timedelta(hours=hours),
        ),
    )
    return IssuedCode(code=code, record=record)


def enrol(
    session: Session,
    *,
    code: str,
    installation_id: uuid.UUID,
    name: str,
    app_version: str = "",
) -> Enrolled:
    """Exchange a code (once, before it expires) for a device credential."""
    now = utcnow()
    record = devices_crud.code_for_update(
        session, code_hash=security.digest(security.normalise_code(code))
    )
    if record is None:
        raise AuthenticationFailed("unknown enrolment code", field="code")
    if record.used_at is not None:
        raise AuthenticationFailed(
            "this enrolment code was already used; ask the head office for a new one",
            field="code",
        )
    if record.expires_at <= now:
        raise AuthenticationFailed(
            "this enrolment code has expired; ask the head office for a new one", field="code"
        )
    if devices_crud.get_by_installation(session, installation_id) is not None:
        raise Duplicate(
            f"installation {installation_id} is already enrolled; a restored or copied store "
            "starts a new epoch under its installation, a new PC enrols with its own",
            field="installation_id",
        )
    device_id = uuid.uuid4()
    credential = security.new_device_credential(device_id)
    device = devices_crud.add(
        session,
        Device(
            id=device_id,
            name=name or record.label,
            site_id=record.site_id,
            geo_node_id=record.geo_node_id,
            installation_id=installation_id,
            credential_hash=security.digest(credential),
            app_version=app_version,
        ),
    )
    record.used_at = now
    record.device_id = device.id
    return Enrolled(device=device, credential=credential)


def authenticate(session: Session, *, credential: str) -> Device:
    """The device a credential belongs to; refused when unknown or revoked."""
    invalid = AuthenticationFailed("the device credential is not valid", field="authorization")
    parts = credential.split(".")
    if len(parts) != 3:
        raise invalid
    try:
        device_id = uuid.UUID(hex=parts[1])
    except ValueError:
        raise invalid from None
    device = devices_crud.get(session, device_id)
    if device is None or not hmac.compare_digest(
        device.credential_hash, security.digest(credential)
    ):
        raise invalid
    if device.revoked_at is not None:
        raise AuthenticationFailed(
            "this installation's credential was revoked; enrol it again with a new code",
            field="authorization",
        )
    return device


def current(session: Session, *, device_id: uuid.UUID) -> Device:
    """The device's row as stored now (an authenticated device was found, so it exists)."""
    device = devices_crud.get(session, device_id)
    if device is None:
        raise AuthenticationFailed("the device credential is not valid", field="authorization")
    return device


def revoke(session: Session, *, ctx: ActorContext, device_id: uuid.UUID) -> Device:
    require(ctx, ENROL_PERMISSION)
    device = devices_crud.get(session, device_id) or devices_crud.get_by_installation(
        session, device_id
    )
    if device is None:
        raise NotFound(f"unknown device {device_id}", field="device_id")
    if device.revoked_at is None:
        device.revoked_at = utcnow()
    return device


def list_devices(session: Session, *, ctx: ActorContext, limit: int, offset: int) -> list[Device]:
    require(ctx, ENROL_PERMISSION)
    return devices_crud.list_devices(session, limit=limit, offset=offset)
