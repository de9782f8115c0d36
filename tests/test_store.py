"""Opening a store: WAL and foreign keys on every connection, automatic and rolling backups."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import text

from hom_desktop.core import backup, migrate
from hom_desktop.core.config import load_settings
from hom_desktop.core.store import open_store


def test_every_connection_is_tuned(tmp_path):
    store = open_store(load_settings(tmp_path), auto_backup=False)
    try:
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
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


def test_a_store_is_backed_up_before_a_migration_changes_it(tmp_path, monkeypatch):
    settings = load_settings(tmp_path)
    open_store(settings, auto_backup=False).close()
    # The chain has one revision today, so a newer head is simulated: the one case a real
    # migration chain cannot produce yet. The backup and the upgrade call are real.
    monkeypatch.setattr(migrate, "head_revision", lambda engine: "9999_future")
    upgraded: list[str] = []
    monkeypatch.setattr(
        migrate, "upgrade", lambda engine, revision="head": upgraded.append(revision)
    )
    open_store(settings).close()
    made = backup.list_backups(settings.backup_dir)
    assert upgraded == ["head"]
    assert len(made) == 1 and "before-migration-0001" in made[0].name
    backup.check_is_store(made[0])


def test_check_is_store_rejects_other_files(tmp_path):
    other = tmp_path / "x.sqlite3"
    other.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    with pytest.raises(backup.BackupError):
        backup.check_is_store(other)
    with pytest.raises(backup.BackupError, match="not found"):
        backup.check_is_store(tmp_path / "missing.sqlite3")
