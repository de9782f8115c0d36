"""SQL for enrolled devices and enrolment codes."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from hom_server.models import Device, EnrolmentCode


def get(session: Session, device_id: uuid.UUID) -> Device | None:
    return session.get(Device, device_id)


def get_by_installation(session: Session, installation_id: uuid.UUID) -> Device | None:
    return session.scalar(select(Device).where(Device.installation_id == installation_id))


def list_devices(session: Session, *, limit: int, offset: int) -> list[Device]:
    stmt = select(Device).order_by(Device.enrolled_at, Device.id).limit(limit).offset(offset)
    return list(session.scalars(stmt))


def add(session: Session, device: Device) -> Device:
    session.add(device)
    session.flush()
    return device


def add_code(session: Session, code: EnrolmentCode) -> EnrolmentCode:
    session.add(code)
    session.flush()
    return code


def code_for_update(session: Session, *, code_hash: str) -> EnrolmentCode | None:
    """The code's row, locked: two desktops racing with one code cannot both enrol."""
    stmt = select(EnrolmentCode).where(EnrolmentCode.code_hash == code_hash).with_for_update()
    return session.scalar(stmt)
