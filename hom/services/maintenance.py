"""Keeping a store healthy: backups, restore, and a look inside with sqlite-utils."""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from hom.core import backup, lock, paths
from hom.core.config import Settings
from hom.core.errors import DomainError, PermissionDenied
from hom.core.store import Store, open_store
from hom.services import sites
from hom.services.context import ActorContext
from hom.services.permissions import require
from hom.sync import identity


def backup_now(store: Store, *, ctx: ActorContext, destination: Path | None = None) -> Path:
    """A consistent copy of the live store: to ``destination``, or into the rolling set."""
    require(ctx, "store.backup")
    try:
        if destination is not None:
            paths.check_output_file(
                destination,
                field="destination",
                store_path=store.settings.store_path,
                backup_dir=store.settings.backup_dir,
            )
            return backup.backup_file(store.settings.store_path, destination)
        return backup.rolling_backup(
            store.settings.store_path, store.settings.backup_dir, keep=store.settings.backups_kept
        )
    except backup.BackupError as exc:
        raise DomainError(exc.message, field="store") from None


def restore(settings: Settings, *, ctx: ActorContext | None, source: Path) -> Path:
    """Replace the store (closed) with ``source``; the replaced store is kept as a backup first.

    ``ctx`` is the user who signed in to the current store, who needs ``store.backup``; it may be
    None only when there is no readable store to protect (restoring after a loss or corruption).
    Returns the path of the safety copy.
    """
    if ctx is not None:
        require(ctx, "store.backup")
    elif current_store_is_readable(settings):
        raise PermissionDenied(
            "restoring over a working store needs a user with the permission 'store.backup'",
            field="user",
        )
    reason = paths.protected_reason(source, store_path=settings.store_path)
    if reason:
        raise DomainError(f"{source} is {reason}: restore from a backup file", field="backup")
    held = lock.hold(settings.store_path, restore=True)  # refuses while the store is open
    staging: Path | None = None
    try:
        staging = backup.prepare_restore(source, settings.store_path)
        safety = Path()
        if current_store_is_readable(settings):
            safety = backup.rolling_backup(
                settings.store_path,
                settings.backup_dir,
                keep=settings.backups_kept + 1,
                label="before-restore",
            )
        elif settings.store_path.exists():
            # Unreadable: keep its bytes as they are, for whoever investigates later.
            safety = backup.raw_copy(settings.store_path, settings.backup_dir, label="unreadable")
        backup.finish_restore(staging, settings.store_path)
        staging = None
    except backup.BackupError as exc:
        raise DomainError(exc.message, field="backup") from None
    finally:
        if staging is not None:
            staging.unlink(missing_ok=True)
        held.release()
    _start_restored_epoch(settings, replaced=safety if safety.name else None)
    return safety


def _start_restored_epoch(settings: Settings, *, replaced: Path | None) -> None:
    """A restored store starts a new change-log epoch (the backup's seqs were handed out again
    after it was taken) and moves its document counters past what the replaced store issued."""
    counters: list[identity.Counter] = []
    after_epoch = 0
    if replaced is not None and _is_readable_store(replaced):
        db = sqlite_utils.Database(replaced)
        try:
            counters = [
                (uuid.UUID(str(r["site_id"])), r["doc_type"], r["year"], r["last_value"])
                for r in db["document_sequences"].rows
            ]
            if "epoch" in db["installation"].columns_dict:
                after_epoch = max((r["epoch"] for r in db["installation"].rows), default=0)
        finally:
            db.close()
    store = open_store(settings, auto_backup=False, check_identity=False)  # migrates if older
    try:
        with store.transaction() as session:
            if sites.is_initialised(session):
                identity.start_new_epoch(
                    session,
                    reason="restore",
                    store_fingerprint=identity.fingerprint(settings.store_path),
                    carry=counters,
                    after_epoch=after_epoch,
                )
    finally:
        store.close()


def _is_readable_store(path: Path) -> bool:
    try:
        backup.check_is_store(path)
    except backup.BackupError:
        return False
    return True


def current_store_is_readable(settings: Settings) -> bool:
    """True when the data folder holds a HOM store that opens (so it has users to sign in)."""
    try:
        backup.check_is_store(settings.store_path)
    except backup.BackupError:
        return False
    return True


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
    if not settings.store_path.is_file():
        raise DomainError(f"{settings.store_path} is not a file", field="data_dir")
    try:
        db = sqlite_utils.Database(
            sqlite3.connect(backup.read_only_uri(settings.store_path), uri=True)
        )
        try:
            return [TableInfo(t.name, t.count) for t in db.tables]
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise DomainError(
            f"{settings.store_path} cannot be read ({exc}): it is damaged or not a HOM store; "
            "restore a backup with 'hom-desktop restore FILE --yes'",
            field="store",
        ) from None
