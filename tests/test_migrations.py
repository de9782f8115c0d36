"""The Alembic chain builds exactly the models, round-trips, and runs on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect

from hom.core import migrate
from hom.core.database import make_engine
from hom.models import Base
from tests.pg import fresh_database


def _diff(engine: Engine) -> list:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, Base.metadata)


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def _check_chain(engine: Engine) -> None:
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision(engine)
    assert _tables(engine) == set(Base.metadata.tables)
    assert _diff(engine) == [], "the migrations and the models disagree"
    migrate.downgrade(engine, "base")
    assert _tables(engine) == set()
    migrate.upgrade(engine)
    assert _diff(engine) == []


def test_sqlite_chain_matches_models_and_round_trips(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    _check_chain(engine)
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_chain_matches_models_and_round_trips():
    with fresh_database() as url:
        engine = create_engine(url)
        try:
            _check_chain(engine)
        finally:
            engine.dispose()


def test_ledger_refuses_update_and_delete_in_the_database(tmp_path):
    path = tmp_path / "g.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    # Straight through the driver, as any other program could: the triggers must still hold.
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys=OFF")  # a bare probe row without its master data
    conn.execute(
        "INSERT INTO stock_ledger (id, location_id, product_id, quantity, balance_after,"
        " voucher_type, voucher_id, voucher_no, reason, created_at)"
        " VALUES (?, ?, ?, 1, 1, 'receipt', ?, '', '', CURRENT_TIMESTAMP)",
        ("0" * 32, "1" * 32, "2" * 32, "3" * 32),
    )
    conn.commit()
    for statement in ("UPDATE stock_ledger SET quantity = 5", "DELETE FROM stock_ledger"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(statement)
        conn.rollback()
    assert conn.execute("SELECT quantity FROM stock_ledger").fetchone() == (1,)
    conn.close()
