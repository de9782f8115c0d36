"""The bulk insert path writes exactly what the ORM would read back, defaults made per row."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hom.core import migrate
from hom.core.database import make_engine, make_session_factory
from hom.core.ids import new_id
from hom.crud import bulk
from hom.models import AuditEntry, OutboxEntry
from tests.pg import fresh_database


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


@pytest.mark.postgres
def test_postgresql_bulk_rows_go_through_copy_and_read_back_identically():
    with fresh_database() as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        ids = [new_id() for _ in range(bulk.COPY_MIN_ROWS + 5)]
        rows = [
            {
                "action": "probe",
                "entity": "x",
                "entity_id": i,
                "summary": f"n{n:03d}",
                "changes": {"n": n, "text": "तिरुपति\tq\\"},
            }
            for n, i in enumerate(ids)
        ]
        sessions = make_session_factory(engine)
        with sessions() as s, s.begin():
            bulk.insert_rows(s, AuditEntry.__table__, rows)
            bulk.insert_rows(s, AuditEntry.__table__, rows[:1] and [dict(rows[0], entity="y")])
        with sessions() as s:
            read = s.scalars(
                select(AuditEntry).where(AuditEntry.entity == "x").order_by(AuditEntry.summary)
            ).all()
            assert [r.entity_id for r in read] == ids
            assert read[7].changes == {"n": 7, "text": "तिरुपति\tq\\"}
            assert all(r.at.tzinfo is not None for r in read)
            assert len({r.id for r in read}) == len(ids)
            assert s.scalar(select(AuditEntry.summary).where(AuditEntry.entity == "y")) == "n000"
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_copy_returns_the_rows_as_written():
    with fresh_database() as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        rows = [{"action": "probe", "entity": "x"} for _ in range(bulk.COPY_MIN_ROWS)]
        with make_session_factory(engine)() as s, s.begin():
            written = bulk.insert_rows(s, AuditEntry.__table__, rows)
        assert len(written) == len(rows) and all(r["id"] is not None for r in written)
        engine.dispose()
