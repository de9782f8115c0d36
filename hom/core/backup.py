"""Online backups of the SQLite store and restoring one.

Uses SQLite's online backup API, so a backup taken while the application runs is consistent.
A rolling set is kept: the newest ``keep`` files, older ones removed.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

from hom.core.clock import utcnow

BACKUP_GLOB = "hom-*.sqlite3"


class BackupError(Exception):
    pass


def read_only_uri(path: Path) -> str:
    """A ``file:`` URI with the path percent-encoded (``?``, ``#`` and ``%`` are legal in names)."""
    return path.resolve().as_uri() + "?mode=ro"


def backup_file(source: Path, destination: Path) -> Path:
    """Copy the live store ``source`` to ``destination`` page by page, consistently."""
    if not source.exists():
        raise BackupError(f"no store at {source}")
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = destination.with_suffix(destination.suffix + ".part")
    src = sqlite3.connect(read_only_uri(source), uri=True)
    dst = sqlite3.connect(tmp)
    try:
        with dst:
            src.backup(dst)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"cannot back up {source}: {exc}") from None
    finally:
        dst.close()
        src.close()
    tmp.replace(destination)
    return destination


def rolling_backup(source: Path, backup_dir: Path, *, keep: int, label: str = "") -> Path:
    """A new timestamped backup in ``backup_dir``; only the newest ``keep`` are kept."""
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
    name = f"hom-{stamp}{'-' + label if label else ''}.sqlite3"
    made = backup_file(source, backup_dir / name)
    for old in list_backups(backup_dir)[keep:]:
        old.unlink(missing_ok=True)
    return made


def raw_copy(source: Path, backup_dir: Path, *, label: str) -> Path:
    """A byte-for-byte copy of a file that SQLite cannot read (kept beside the backups)."""
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
    target = backup_dir / f"{label}-{stamp}.sqlite3"
    shutil.copyfile(source, target)
    return target


def list_backups(backup_dir: Path) -> list[Path]:
    """Backups, newest first."""
    if not backup_dir.exists():
        return []
    return sorted(backup_dir.glob(BACKUP_GLOB), key=lambda p: p.name, reverse=True)


def backup_is_due(backup_dir: Path, *, every: timedelta = timedelta(days=1)) -> bool:
    backups = list_backups(backup_dir)
    if not backups:
        return True
    newest = backups[0].stat().st_mtime
    return utcnow().timestamp() - newest >= every.total_seconds()


def check_is_store(path: Path) -> None:
    """Raise ``BackupError`` unless ``path`` is a readable HOM store."""
    if not path.exists():
        raise BackupError(f"backup file not found: {path}")
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} fails SQLite's integrity check")
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not an SQLite database ({exc})") from None
    if not {"alembic_version", "installation", "stock_ledger"} <= tables:
        raise BackupError(f"{path} is not a HOM store (its tables are missing)")


def restore_file(backup: Path, store: Path) -> None:
    """Replace ``store`` with ``backup`` (the store must be closed)."""
    check_is_store(backup)
    for suffix in ("-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    tmp = store.with_suffix(store.suffix + ".restore")
    shutil.copyfile(backup, tmp)
    tmp.replace(store)
