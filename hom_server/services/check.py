"""The server's side of a sync's sanity check, and a new epoch registering before it pushes."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from hom.core.errors import PermissionDenied
from hom.schemas.sync import CheckCounts, EpochRegistered, EpochRegistration, EpochState
from hom_server.crud import check as check_crud
from hom_server.crud import sync as sync_crud
from hom_server.models import Device
from hom_server.services.sync import parse_cursor, visible_sites

log = logging.getLogger("hom.server.sync")


def counts(session: Session, *, device: Device, cursor: str | None) -> CheckCounts:
    """What this device's store should hold, per entity, having pulled through ``cursor``."""
    sites = visible_sites(session, device=device)
    return CheckCounts(
        counts=check_crud.feed_counts(
            session,
            site_ids=sites,
            through=parse_cursor(cursor),
            installation_id=device.installation_id,
        )
    )


def register_epoch(
    session: Session, *, device: Device, registration: EpochRegistration
) -> EpochRegistered:
    """Record a new epoch of the device's installation (its applied-seq row, at 0)."""
    if registration.installation_id != device.installation_id:
        raise PermissionDenied(
            "this credential belongs to another installation: register only your own epochs",
            field="installation_id",
        )
    sync_crud.lock_applied(
        session, installation_id=registration.installation_id, epoch=registration.epoch
    )
    log.info(
        "installation %s registered epoch %s (%s)",
        registration.installation_id,
        registration.epoch,
        registration.reason,
    )
    return EpochRegistered(
        installation_id=registration.installation_id,
        epochs=[
            EpochState(epoch=row.epoch, last_applied_seq=row.last_seq)
            for row in check_crud.epochs_of(session, registration.installation_id)
        ],
    )
