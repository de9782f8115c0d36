"""Online backups of the SQLite store and restoring one.

Uses SQLite's online backup API, so a backup taken while the application runs is consistent.
A rolling set is kept: the newest ``keep`` files, older ones removed.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

from hom.core import migrate, paths
from hom.core.clock import utcnow
from hom.core.errors import DomainError

BACKUP_GLOB = "hom-*.sqlite3"


class BackupError(DomainError):
    """A backup or restore refused (the file is not a usable store, or cannot be written)."""

    code = "backup"


def read_only_uri(path: Path) -> str:
    """A ``file:`` URI with the path percent-encoded (``?``, ``#`` and ``%`` are legal in names)."""
    return path.resolve().as_uri() + "?mode=ro"


def backup_file(source: Path, destination: Path) -> Path:
    """Copy the live store ``source`` to ``destination`` page by page, consistently."""
    if not source.exists():
        raise BackupError(f"no store at {source}")
    reason = paths.protected_reason(destination, store_path=source)
    if reason:
        raise BackupError(f"{destination} is {reason}: a backup cannot be written over it")
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = destination.with_name(destination.name + ".part")
    _copy_database(source, tmp)
    tmp.replace(destination)
    return destination


def _copy_database(source: Path, target: Path) -> None:
    """Copy the SQLite database ``source`` into a new file ``target`` with SQLite's backup API:
    what is committed in its ``-wal`` file is included, and nothing of ``source`` is changed."""
    target.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(read_only_uri(source), uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {source}: {exc}") from None
    try:
        dst = sqlite3.connect(target)
    except sqlite3.Error as exc:
        src.close()
        raise BackupError(f"cannot write {target}: {exc}") from None
    try:
        try:
            with dst:
                src.backup(dst)
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        target.unlink(missing_ok=True)
        raise BackupError(f"{source} is not a readable SQLite database ({exc})") from None
    finally:
        src.close()


def rolling_backup(source: Path, backup_dir: Path, *, keep: int, label: str = "") -> Path:
    """A new timestamped backup in ``backup_dir``; only the newest ``keep`` are kept.

    A backup taken before a migration is not taken twice of an unchanged store: when the newest
    backup of the same label is at least as new as the store, of the same size, and nothing is
    pending in the store's ``-wal`` file, that backup is returned. So an open whose migration
    keeps failing adds one copy, not one per attempt, and cannot rotate the last good copy (the
    one taken before a restore, say) out of the set.
    """
    if label.startswith("before-migration"):
        newest = _newest(backup_dir, label)
        if newest is not None and not _changed_since(source, newest):
            return newest
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
    name = f"hom-{stamp}{'-' + label if label else ''}.sqlite3"
    made = backup_file(source, backup_dir / name)
    for old in list_backups(backup_dir)[keep:]:
        old.unlink(missing_ok=True)
    return made


def _newest(backup_dir: Path, label: str) -> Path | None:
    for candidate in list_backups(backup_dir):
        suffix = f"-{label}.sqlite3" if label else "Z.sqlite3"
        if candidate.name.endswith(suffix):
            return candidate
    return None


def _changed_since(source: Path, backup: Path) -> bool:
    """False only when ``backup`` is surely a copy of ``source`` as it is now."""
    taken = backup.stat()
    store = source.stat()
    wal = Path(f"{source}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return True
    return store.st_mtime_ns >= taken.st_mtime_ns or store.st_size != taken.st_size


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
    """Raise ``BackupError`` unless ``path`` is a readable HOM store of a schema this version
    knows: an SQLite database that passes ``integrity_check`` and has the store's tables."""
    if not path.exists():
        raise BackupError(f"backup file not found: {path}")
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check(3)")]
            if problems != ["ok"]:
                raise BackupError(
                    f"{path} fails SQLite's integrity check ({problems[0]}): it is damaged"
                )
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            revision = None
            if "alembic_version" in tables:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not an SQLite database ({exc})") from None
    if not {"alembic_version", "installation", "stock_ledger"} <= tables:
        raise BackupError(f"{path} is not a HOM store (its tables are missing)")
    if revision is not None and revision not in migrate.known_revisions():
        raise BackupError(
            f"{path} was written by a newer version of HOM (schema {revision}); "
            "install that version to use it"
        )


def restore_file(backup: Path, store: Path) -> None:
    """Replace ``store`` with ``backup`` (the store must be closed, see ``hom.core.lock``)."""
    finish_restore(prepare_restore(backup, store), store)


def prepare_restore(backup: Path, store: Path) -> Path:
    """A checked copy of ``backup`` beside ``store``, ready for ``finish_restore``.

    The copy is made with SQLite's backup API (so commits still in the backup's own ``-wal``
    file come along, and the backup itself is never changed) and checked (``check_is_store``:
    a database, intact, with a schema this version knows) before anything of the store is
    touched.
    """
    reason = paths.protected_reason(backup, store_path=store)
    if reason:
        raise BackupError(f"{backup} is {reason}: restore from a backup file instead")
    if backup.is_dir():
        raise BackupError(f"{backup} is a folder: give the backup file inside it")
    if not backup.is_file():
        raise BackupError(f"backup file not found: {backup}")
    staging = store.with_name(store.name + ".restore")
    _copy_database(backup, staging)
    try:
        check_is_store(staging)
    except BackupError as exc:
        staging.unlink(missing_ok=True)
        raise BackupError(exc.message.replace(str(staging), str(backup))) from None
    return staging


def finish_restore(staging: Path, store: Path) -> None:
    """Move the checked copy into place, dropping the old store's ``-wal`` and ``-shm``."""
    for suffix in ("-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    staging.replace(store)
    os.utime(store)  # the store changed now, whatever the time its copy was made
