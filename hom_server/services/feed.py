"""The head office's own changes into the feed.

A master-data write made on the server (a product, a geography node, a user...) goes through
the shared services like any store's write, and those queue it in the server's own change log
in the same transaction. ``capture_changes`` moves what this transaction queued into the feed
every installation pulls from, still in the same transaction: the write and its place in the
feed commit together.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hom.core.clock import utcnow
from hom.crud import outbox as outbox_crud
from hom.schemas.sync import PAYLOAD_VERSION
from hom_server.crud import sync as sync_crud

#: Entities the head office writes (master data): every installation sees them.
MASTER_ENTITIES = frozenset(
    {"products", "geo_nodes", "sites", "stock_locations", "users", "roles", "parties"}
)


def capture_changes(session: Session) -> int:
    """Move the pending change-log rows into the feed; how many moved."""
    session.flush()
    pending = outbox_crud.pending(session, limit=100_000)
    if not pending:
        return 0
    now = utcnow()
    rows: list[dict[str, Any]] = [
        {
            "entity": row.entity,
            "entity_id": row.entity_id,
            "operation": row.operation,
            "site_id": None,
            "to_site_id": None,
            "master": row.entity in MASTER_ENTITIES,
            "payload_version": PAYLOAD_VERSION,
            "payload": row.payload,
            "origin_installation_id": None,
            "origin_epoch": None,
            "origin_seq": row.seq,
            "device_created_at": row.created_at,
            "received_at": now,
        }
        for row in pending
        if row.payload is not None
    ]
    sync_crud.append_feed(session, rows)
    outbox_crud.mark_sent(session, seqs=[row.seq for row in pending], at=now)
    return len(rows)
