"""The ledger and balance guards hold at the head of the migration chain, whatever the path.

A batch migration that recreates a table silently drops its triggers, so these tests look at the
schema the whole chain leaves behind and then try each way around the services, straight through
the driver, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from hom.core import migrate
from hom.core.database import make_engine
from hom.core.pg_role import grant_server_role
from tests.pg import fresh_database

SQLITE_GUARDS = {"stock_ledger_no_update", "stock_ledger_no_delete"}
PG_GUARDS = {"stock_ledger_append_only", "stock_ledger_no_truncate"}

_PROBE_COLUMNS = (
    "id, location_id, product_id, quantity, balance_after, voucher_type, voucher_id, "
    "voucher_no, reason, created_at"
)


def _sqlite_head(tmp_path) -> sqlite3.Connection:
    path = tmp_path / "g.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys=OFF")  # bare probe rows without their master data
    return conn


def _sqlite_probe(conn: sqlite3.Connection, entry_id: str, quantity: int = 1) -> None:
    conn.execute(
        f"INSERT INTO stock_ledger ({_PROBE_COLUMNS})"
        " VALUES (?, ?, ?, ?, ?, 'receipt', ?, '', '', CURRENT_TIMESTAMP)",
        (entry_id, "1" * 32, "2" * 32, quantity, quantity, "3" * 32),
    )


def test_sqlite_guards_exist_at_the_head_of_the_chain(tmp_path):
    conn = _sqlite_head(tmp_path)
    triggers = {
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'stock_ledger'"
        )
    }
    assert triggers >= SQLITE_GUARDS
    (balances_sql,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'stock_balances'"
    ).fetchone()
    assert "ck_stock_balances_quantity_not_negative" in balances_sql
    (ledger_sql,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'stock_ledger'"
    ).fetchone()
    assert "ck_stock_ledger_voucher_type" in ledger_sql
    conn.close()


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT OR REPLACE INTO stock_ledger ({cols}) VALUES"
        " (?, ?, ?, 500, 500, 'receipt', ?, '', '', CURRENT_TIMESTAMP)",
        "REPLACE INTO stock_ledger ({cols}) VALUES"
        " (?, ?, ?, 500, 500, 'receipt', ?, '', '', CURRENT_TIMESTAMP)",
    ],
    ids=["insert-or-replace", "replace-into"],
)
def test_sqlite_refuses_replacing_a_ledger_entry(tmp_path, statement):
    """REPLACE deletes the old row without DELETE triggers unless recursive triggers are on:
    every connection HOM opens turns them on, so the no-delete trigger refuses it."""
    _sqlite_head(tmp_path).close()
    engine = make_engine(f"sqlite:///{tmp_path / 'g.sqlite3'}")
    conn = engine.raw_connection().driver_connection  # tuned as every HOM connection is
    conn.execute("PRAGMA foreign_keys=OFF")  # bare probe rows without their master data
    entry = "0" * 32
    _sqlite_probe(conn, entry)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute(statement.format(cols=_PROBE_COLUMNS), (entry, "1" * 32, "2" * 32, "3" * 32))
    assert conn.execute("SELECT quantity FROM stock_ledger").fetchall() == [(1,)]
    # A new entry still goes in, with or without OR REPLACE.
    conn.execute(
        f"INSERT OR REPLACE INTO stock_ledger ({_PROBE_COLUMNS}) VALUES"
        " (?, ?, ?, 2, 3, 'receipt', ?, '', '', CURRENT_TIMESTAMP)",
        ("9" * 32, "1" * 32, "2" * 32, "3" * 32),
    )
    assert conn.execute("SELECT count(*) FROM stock_ledger").fetchone() == (2,)
    conn.close()
    engine.dispose()


def test_sqlite_refuses_an_unknown_voucher_type_and_a_negative_balance(tmp_path):
    conn = _sqlite_head(tmp_path)
    with pytest.raises(sqlite3.IntegrityError, match="ck_stock_ledger_voucher_type"):
        conn.execute(
            f"INSERT INTO stock_ledger ({_PROBE_COLUMNS})"
            " VALUES (?, ?, ?, 1, 1, 'gift', ?, '', '', CURRENT_TIMESTAMP)",
            ("0" * 32, "1" * 32, "2" * 32, "3" * 32),
        )
    with pytest.raises(sqlite3.IntegrityError, match="quantity_not_negative"):
        conn.execute(
            "INSERT INTO stock_balances (id, location_id, product_id, quantity, updated_at)"
            " VALUES (?, ?, ?, -1, CURRENT_TIMESTAMP)",
            ("4" * 32, "1" * 32, "2" * 32),
        )
    conn.close()


def test_upgrading_a_store_with_data_keeps_its_rows_and_guards(kit):
    """0006 recreates tables other tables point at (sites, locations, the ledger): the rows
    survive with foreign keys intact, and the ledger's triggers are back afterwards."""
    from hom.services import stock
    from tests.utils.builders import add_product

    with kit.session() as s:
        product = add_product(s)
        stock.receive(
            s,
            ctx=kit.ctx,
            receipt_in={"location_id": kit.location_id, "product_id": product.id, "quantity": 5},
        )
    engine = kit.store.engine
    scripts = ScriptDirectory.from_config(migrate.alembic_config(engine))
    migrate.downgrade(engine, scripts.get_revision("0006").down_revision)
    migrate.upgrade(engine)
    with kit.store.reader() as s:
        assert stock.verify(s).ok
        assert stock.on_hand(s, location_id=kit.location_id, product_id=product.id) == 5
    conn = sqlite3.connect(kit.store.settings.store_path)
    triggers = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert triggers >= SQLITE_GUARDS
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("SELECT time_zone FROM sites").fetchall() == [("Asia/Kolkata",)]
    conn.close()


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_probe(conn, entry_id: uuid.UUID) -> None:
    conn.execute(
        text(
            f"INSERT INTO stock_ledger ({_PROBE_COLUMNS}) VALUES"
            " (:id, :loc, :prod, 1, 1, 'receipt', :v, '', '', now())"
        ),
        {"id": entry_id, "loc": uuid.uuid4(), "prod": uuid.uuid4(), "v": uuid.uuid4()},
    )


def _pg_head(url):
    engine = create_engine(url)
    migrate.upgrade(engine)
    return engine


@pytest.mark.postgres
def test_postgresql_guards_exist_and_refuse_update_delete_truncate_and_upsert():
    with fresh_database() as url:
        engine = _pg_head(url)
        try:
            with engine.connect() as conn:
                names = set(
                    conn.scalars(
                        text(
                            "SELECT tgname FROM pg_trigger"
                            " WHERE tgrelid = 'stock_ledger'::regclass AND NOT tgisinternal"
                        )
                    )
                )
                assert names >= PG_GUARDS
                checks = set(
                    conn.scalars(text("SELECT conname FROM pg_constraint WHERE contype = 'c'"))
                )
                assert {
                    "ck_stock_balances_quantity_not_negative",
                    "ck_stock_ledger_voucher_type",
                    "ck_primary_orders_status",
                    "ck_sites_kind",
                } <= checks
            entry = uuid.uuid4()
            with engine.begin() as conn:
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")  # no FKs
                _pg_probe(conn, entry)
            for statement in (
                "UPDATE stock_ledger SET quantity = 5",
                "DELETE FROM stock_ledger",
                "TRUNCATE stock_ledger",
                "TRUNCATE stock_ledger CASCADE",
                f"INSERT INTO stock_ledger ({_PROBE_COLUMNS}) SELECT {_PROBE_COLUMNS}"
                " FROM stock_ledger ON CONFLICT (id) DO UPDATE SET quantity = 7",
            ):
                with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                    conn.exec_driver_sql(statement)
            with engine.connect() as conn:
                assert conn.scalar(text("SELECT quantity FROM stock_ledger")) == 1
        finally:
            engine.dispose()


@pytest.mark.postgres
def test_the_server_role_cannot_update_delete_or_truncate_the_ledger():
    role = f"hom_server_t{uuid.uuid4().hex[:8]}"
    with fresh_database() as url:
        engine = _pg_head(url)
        try:
            with engine.begin() as conn:
                grant_server_role(conn, role=role)
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                _pg_probe(conn, uuid.uuid4())
            with engine.begin() as conn:
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                conn.exec_driver_sql(f"SET LOCAL ROLE {role}")
                _pg_probe(conn, uuid.uuid4())  # the server appends
                assert conn.scalar(text("SELECT count(*) FROM stock_ledger")) == 2
                conn.exec_driver_sql("UPDATE stock_balances SET quantity = quantity")
            for statement in (
                "UPDATE stock_ledger SET quantity = 5",
                "DELETE FROM stock_ledger",
                "TRUNCATE stock_ledger",
                "TRUNCATE stock_balances",
                "UPDATE alembic_version SET version_num = 'x'",
            ):
                with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as conn:
                    conn.exec_driver_sql(f"SET LOCAL ROLE {role}")
                    conn.exec_driver_sql(statement)
        finally:
            with engine.begin() as conn:
                conn.exec_driver_sql(f"DROP OWNED BY {role}")
                conn.exec_driver_sql(f"DROP ROLE {role}")
            engine.dispose()
