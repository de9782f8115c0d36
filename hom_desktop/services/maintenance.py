"""Keeping a store healthy: backups, restore, and a look inside with sqlite-utils."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from hom_desktop.core import backup
from hom_desktop.core.config import Settings
from hom_desktop.core.errors import DomainError
from hom_desktop.core.store import Store


def backup_now(store: Store, *, destination: Path | None = None) -> Path:
    """A consistent copy of the live store: to ``destination``, or into the rolling set."""
    try:
        if destination is not None:
            if destination.is_dir():
                raise DomainError(
                    f"{destination} is a folder: give a file name", field="destination"
                )
            return backup.backup_file(store.settings.store_path, destination)
        return backup.rolling_backup(
            store.settings.store_path, store.settings.backup_dir, keep=store.settings.backups_kept
        )
    except backup.BackupError as exc:
        raise DomainError(str(exc), field="store") from None


def restore(settings: Settings, *, source: Path) -> Path:
    """Replace the store (closed) with ``source``; the replaced store is kept as a backup first.

    Returns the path of that safety copy.
    """
    try:
        backup.check_is_store(source)
        safety = Path()
        if settings.store_path.exists():
            safety = backup.rolling_backup(
                settings.store_path,
                settings.backup_dir,
                keep=settings.backups_kept + 1,
                label="before-restore",
            )
        backup.restore_file(source, settings.store_path)
        return safety
    except backup.BackupError as exc:
        raise DomainError(str(exc), field="backup") from None


def list_backups(settings: Settings) -> list[Path]:
    return backup.list_backups(settings.backup_dir)


@dataclass(frozen=True)
class TableInfo:
    name: str
    rows: int


def inspect_store(settings: Settings) -> list[TableInfo]:
    """Every table of the store with its row count (read through sqlite-utils)."""
    if not settings.store_path.exists():
        raise DomainError(f"no store at {settings.store_path}", field="data_dir")
    db = sqlite_utils.Database(settings.store_path)
    try:
        return [TableInfo(t.name, t.count) for t in db.tables]
    finally:
        db.close()
