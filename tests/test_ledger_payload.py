"""The ledger's change-log payloads are built directly, not through a pydantic model per row
(``changelog.ledger_payloads``). They must stay exactly what ``LedgerEntrySync`` makes and
validates, so the two are compared here on varied rows and on what the stock service queues."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from hom.core.ids import new_id
from hom.models import Batch, OutboxEntry, StockLedgerEntry
from hom.models.enums import VoucherType
from hom.schemas.inventory import LedgerEntrySync
from hom.services import stock
from hom.sync import changelog
from hom.sync.entities import LEDGER
from tests.utils.builders import add_product


def _sample_rows() -> list[dict]:
    """Rows as bulk writers hand them to ``queue``: shared and distinct objects, every optional
    field set and unset (or left out), both kinds of timestamp, enum members and their text."""
    shared_voucher, shared_at = new_id(), datetime(2026, 12, 8, 2, 0, 13, 698605, tzinfo=UTC)
    rows = []
    for index, voucher_type in enumerate([*VoucherType, "transfer_in", "adjustment"]):
        rows.append(
            {
                "id": new_id(),
                "location_id": new_id(),
                "product_id": new_id(),
                "batch_id": new_id() if index % 2 else None,
                "quantity": (-1) ** index * (index * 1_000_003 + 1),
                "balance_after": index * 7_000_000_000,
                "voucher_type": voucher_type,
                "voucher_id": shared_voucher if index % 3 else uuid.uuid4(),
                "voucher_no": f"GRN/2026/{index:05d}" if index % 4 else "",
                "reason": "damaged in transit — ₹ 1,20,000 written off" if index % 5 else "",
                "created_at": shared_at if index % 2 else datetime(2027, 1, 1, 0, 0, 0),
                "created_by": new_id() if index % 3 == 1 else None,
                "installation_id": new_id() if index % 2 == 0 else None,
            }
        )
    sparse = dict(rows[0])
    for optional in ("batch_id", "created_by", "installation_id"):
        del sparse[optional]
    rows.append(sparse)
    return rows


def test_direct_ledger_payloads_equal_the_schemas_snapshots():
    rows = _sample_rows()
    direct = changelog.ledger_payloads(rows)
    assert direct == [changelog.snapshot(LEDGER, row) for row in rows]
    for payload in direct:  # and each one validates back into the same entry
        assert LedgerEntrySync.model_validate(payload).model_dump(mode="json") == payload
    assert direct[-1]["batch_id"] is direct[-1]["created_by"] is None  # left out: defaults
    # The JSON text the outbox stores reads back as the same snapshots.
    assert [json.loads(t) for t in changelog.ledger_payload_texts(rows)] == direct


def test_what_the_stock_service_queues_is_the_schema_snapshot_of_the_written_row(kit):
    with kit.session() as s:
        tracked = add_product(s, track_batches=True)
        plain = add_product(s)
        batch = Batch(product_id=tracked.id, code="B001")
        s.add(batch)
        s.flush()
        batch_id = batch.id
    movements = [
        stock.Movement(kit.location_id, plain.id, 12),
        stock.Movement(kit.location_id, tracked.id, 5, batch_id=batch_id),
        stock.Movement(kit.location_id, plain.id, -4),
    ]
    with kit.session() as s:
        result = stock.post(
            s,
            ctx=kit.ctx,
            movements=movements,
            voucher_type=VoucherType.ADJUSTMENT,
            voucher_id=new_id(),
            voucher_no="ADJ-7",
            reason="count",
        )
    with kit.store.reader() as s:
        queued = {
            r.entity_id: r
            for r in s.scalars(select(OutboxEntry).where(OutboxEntry.entity == LEDGER))
        }
        written = s.scalars(
            select(StockLedgerEntry).where(StockLedgerEntry.id.in_(result.entry_ids))
        ).all()
        assert len(written) == 3
        for entry in written:
            assert queued[entry.id].payload == changelog.snapshot(LEDGER, entry)
            assert queued[entry.id].payload["id"] == str(entry.id)
    assert [queued[i].payload["balance_after"] for i in result.entry_ids] == [12, 5, 8]
