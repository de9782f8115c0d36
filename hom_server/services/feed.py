"""The feed every installation pulls from: where a change belongs, and the head office's own
changes.

A master-data write made on the server (a product, a geography node, a user...) goes through
the shared services like any store's write, and those queue it in the server's own change log
in the same transaction. ``capture_changes`` moves what is queued into the feed, still in the
same transaction: the write and its place in the feed commit together.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hom.core.clock import utcnow
from hom.crud import orders as orders_crud
from hom.crud import outbox as outbox_crud
from hom.crud import site as site_crud
from hom.models.sales_primary import PrimaryOrder
from hom.sync import entities as E
from hom.sync import ownership
from hom_server.crud import sync as sync_crud


@dataclass(frozen=True)
class Placed:
    """Who sees a change: master data everyone; otherwise the writing site, the site it is
    addressed to, their managers and the head office."""

    site_id: uuid.UUID | None
    to_site_id: uuid.UUID | None = None
    master: bool = False


def _site_of_location(session: Session):
    def look(location_id: uuid.UUID) -> uuid.UUID | None:
        location = site_crud.get_location(session, location_id)
        return location.site_id if location is not None else None

    return look


def writer_of(session: Session, entity: str, payload: Mapping[str, Any]):
    """The ownership table's answer for this snapshot, from the server's own rows."""
    return ownership.writer_of(
        entity,
        payload,
        site_of_location=_site_of_location(session),
        site_of_distributor=lambda party_id: site_crud.site_of_party(session, party_id),
    )


def place(session: Session, entity: str, payload: Mapping[str, Any]) -> Placed:
    writer = writer_of(session, entity, payload)
    if writer == ownership.Writer.HEAD_OFFICE:
        return Placed(site_id=None, master=True)
    to_site = None
    if entity == E.PRIMARY_ORDERS and payload.get("buyer_location_id"):
        to_site = _site_of_location(session)(uuid.UUID(str(payload["buyer_location_id"])))
    if entity == E.GOODS_RECEIPTS and payload.get("order_id"):
        # the buyer's receipt goes to the seller, who marks its order delivered
        order = orders_crud.get_order(session, PrimaryOrder, uuid.UUID(str(payload["order_id"])))
        to_site = order.site_id if order is not None else None
    return Placed(site_id=writer, to_site_id=to_site)


def feed_row(
    placed: Placed,
    *,
    entity: str,
    entity_id: uuid.UUID,
    operation: str,
    payload_version: int,
    payload: dict[str, Any],
    origin: tuple[uuid.UUID, int, int],
    device_created_at,
    received_at,
) -> dict[str, Any]:
    return {
        "entity": entity,
        "entity_id": entity_id,
        "operation": operation,
        "site_id": placed.site_id,
        "to_site_id": placed.to_site_id,
        "master": placed.master,
        "payload_version": payload_version,
        "payload": payload,
        "origin_installation_id": origin[0],
        "origin_epoch": origin[1],
        "origin_seq": origin[2],
        "device_created_at": device_created_at,
        "received_at": received_at,
    }


def capture_changes(session: Session) -> int:
    """Move the server's pending change-log rows into the feed; how many moved."""
    session.flush()
    pending = outbox_crud.pending(session, limit=100_000)
    if not pending:
        return 0
    now = utcnow()
    rows = [
        feed_row(
            place(session, row.entity, row.payload),
            entity=row.entity,
            entity_id=row.entity_id,
            operation=row.operation,
            payload_version=row.payload_version,
            payload=row.payload,
            origin=(row.installation_id, row.epoch, row.seq),
            device_created_at=row.created_at,
            received_at=now,
        )
        for row in pending
    ]
    sync_crud.append_feed(session, rows)
    done: dict[tuple[uuid.UUID, int], list[int]] = defaultdict(list)
    for row in pending:
        done[(row.installation_id, row.epoch)].append(row.seq)
    for (installation_id, epoch), seqs in done.items():
        outbox_crud.set_status(
            session,
            installation_id=installation_id,
            epoch=epoch,
            seqs=seqs,
            status=outbox_crud.ACKNOWLEDGED,
            at=now,
        )
    return len(rows)
