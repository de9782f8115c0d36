"""The bulk insert path writes exactly what the ORM would read back, defaults made per row."""

from __future__ import annotations

from sqlalchemy import select

from hom.core.ids import new_id
from hom.crud import bulk
from hom.models import AuditEntry, OutboxEntry


def test_rows_read_back_identically_and_callable_defaults_are_fresh_per_row(kit):
    ids = [new_id() for _ in range(3)]
    with kit.session() as s:
        bulk.insert_rows(
            s,
            AuditEntry.__table__,
            [
                {"action": "probe", "entity": "x", "entity_id": i, "summary": f"n{n}"}
                for n, i in enumerate(ids)
            ],
        )
        bulk.insert_rows(
            s, AuditEntry.__table__, [{"action": "probe", "entity": "y", "entity_id": None}]
        )
    with kit.store.reader() as s:
        rows = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "probe").order_by(AuditEntry.summary)
        ).all()
        assert len(rows) == 4
        assert len({r.id for r in rows}) == 4, "each row needs its own id from the default"
        assert {r.entity_id for r in rows if r.entity == "x"} == set(ids)
        assert all(r.at.tzinfo is not None for r in rows)


def test_scalar_defaults_are_applied(kit):
    iid = kit.ctx.installation_id
    with kit.session() as s:
        bulk.insert_rows(
            s,
            OutboxEntry.__table__,
            [
                {
                    "installation_id": iid,
                    "epoch": 99,
                    "seq": 1,
                    "entity": "e",
                    "entity_id": new_id(),
                    "operation": "insert",
                    "payload_version": 1,
                    "payload": {},
                }
            ],
        )
    with kit.store.reader() as s:
        row = s.scalars(select(OutboxEntry).where(OutboxEntry.epoch == 99)).one()
        assert (row.attempts, row.status, row.last_error, row.acknowledged_at) == (
            0,
            "pending",
            "",
            None,
        )
