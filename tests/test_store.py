"""Opening a store: WAL and foreign keys on every connection, automatic and rolling backups."""

from __future__ import annotations

import os
import sqlite3
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from hom.core import backup, migrate
from hom.core.config import load_settings
from hom.core.store import open_store


def test_every_connection_is_tuned(tmp_path):
    store = open_store(load_settings(tmp_path), auto_backup=False)
    try:
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
            assert conn.execute(text("PRAGMA recursive_triggers")).scalar() == 1
    finally:
        store.close()


def test_a_daily_backup_is_taken_when_the_store_opens_and_not_twice(tmp_path):
    settings = load_settings(tmp_path)
    open_store(settings).close()  # created: nothing to back up yet
    assert backup.list_backups(settings.backup_dir) == []
    open_store(settings).close()
    first = backup.list_backups(settings.backup_dir)
    assert len(first) == 1
    backup.check_is_store(first[0])
    open_store(settings).close()
    assert backup.list_backups(settings.backup_dir) == first
    # A day later another one is due.
    old = time.time() - 25 * 3600
    os.utime(first[0], (old, old))
    open_store(settings).close()
    assert len(backup.list_backups(settings.backup_dir)) == 2


def test_the_rolling_set_keeps_the_newest(tmp_path):
    settings = load_settings(tmp_path)
    open_store(settings, auto_backup=False).close()
    made = [
        backup.rolling_backup(settings.store_path, settings.backup_dir, keep=3) for _ in range(5)
    ]
    kept = backup.list_backups(settings.backup_dir)
    assert kept == sorted(made[-3:], reverse=True)


def test_an_unchanged_store_gets_no_second_copy_so_failures_rotate_nothing_out(tmp_path):
    settings = load_settings(tmp_path)
    open_store(settings, auto_backup=False).close()
    good = backup.rolling_backup(
        settings.store_path, settings.backup_dir, keep=3, label="before-restore"
    )
    again = [
        backup.rolling_backup(
            settings.store_path, settings.backup_dir, keep=3, label="before-migration-0002"
        )
        for _ in range(8)
    ]
    assert len(set(again)) == 1
    assert good in backup.list_backups(settings.backup_dir)


def test_a_store_is_backed_up_before_a_migration_changes_it(tmp_path):
    settings = load_settings(tmp_path)
    store = open_store(settings, auto_backup=False)
    migrate.downgrade(store.engine, "0001")  # a store made by the previous release
    store.close()
    store = open_store(settings)
    try:
        assert migrate.current_revision(store.engine) == migrate.head_revision(store.engine)
    finally:
        store.close()
    made = backup.list_backups(settings.backup_dir)
    assert len(made) == 1 and "before-migration-0001" in made[0].name
    backup.check_is_store(made[0])
    with sqlite3.connect(made[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)


def test_the_database_refuses_a_negative_balance(kit):
    from hom.services import stock
    from tests.utils.builders import add_product

    with kit.session() as s:
        product = add_product(s)
        stock.receive(
            s,
            ctx=kit.ctx,
            receipt_in={"location_id": kit.location_id, "product_id": product.id, "quantity": 2},
        )
    with pytest.raises(IntegrityError, match="CHECK"), kit.session() as s:
        s.execute(text("UPDATE stock_balances SET quantity = -1"))


def test_check_is_store_rejects_other_files(tmp_path):
    other = tmp_path / "x.sqlite3"
    other.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    with pytest.raises(backup.BackupError):
        backup.check_is_store(other)
    with pytest.raises(backup.BackupError, match="not found"):
        backup.check_is_store(tmp_path / "missing.sqlite3")


def test_the_head_is_read_from_the_scripts_as_alembic_reads_it(tmp_path):
    from alembic.script import ScriptDirectory

    store = open_store(load_settings(tmp_path), auto_backup=False)
    try:
        alembic_head = ScriptDirectory.from_config(
            migrate.alembic_config(store.engine)
        ).get_current_head()
        assert migrate.head_revision() == alembic_head
        assert migrate.current_revision(store.engine) == alembic_head
    finally:
        store.close()
    bare = open_store.__globals__["make_engine"](f"sqlite:///{tmp_path / 'bare.sqlite3'}")
    assert migrate.current_revision(bare) is None
    bare.dispose()


def test_the_wal_is_capped_and_truncated_after_a_checkpoint(tmp_path):
    from hom.core.database import JOURNAL_SIZE_LIMIT

    settings = load_settings(tmp_path)
    store = open_store(settings, auto_backup=False)
    try:
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_size_limit")).scalar() == JOURNAL_SIZE_LIMIT
        with store.transaction() as s:
            s.execute(text("CREATE TABLE scratch (x TEXT)"))
            s.execute(text("INSERT INTO scratch VALUES (:x)"), [{"x": "y" * 500}] * 20_000)
        wal = settings.store_path.with_name(settings.store_path.name + "-wal")
        assert wal.stat().st_size > JOURNAL_SIZE_LIMIT
        store.checkpoint()
        assert wal.stat().st_size == 0
    finally:
        store.close()


def test_a_gui_open_leaves_the_daily_backup_to_the_caller(tmp_path):
    settings = load_settings(tmp_path)
    open_store(settings).close()
    open_store(settings, daily_backup=False).close()
    assert backup.list_backups(settings.backup_dir) == []
    store = open_store(settings, daily_backup=False)
    try:
        assert store.backup_if_due() is not None
        assert store.backup_if_due() is None  # taken today already
    finally:
        store.close()
