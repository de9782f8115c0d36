"""Opening the local store: engine, session factory, migrations and automatic backups.

Before a migration changes an existing store it is backed up; once a day a rolling backup is
taken when the store opens.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from hom.core import backup, migrate
from hom.core import lock as store_lock
from hom.core.config import Settings
from hom.core.database import is_locked, make_engine, make_session_factory, unit_of_work, writer
from hom.core.errors import DomainError, StoreBusy

log = logging.getLogger(__name__)


class StoreDamaged(DomainError):
    """The store file is not a database SQLite can read, or it is damaged."""

    code = "store_damaged"


_DAMAGE = ("malformed", "not a database", "disk i/o error", "database corrupt", "unable to open")


def is_damage_error(exc: BaseException) -> bool:
    """True for SQLite's errors about a damaged or foreign file (not constraint violations)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return any(marker in text for marker in _DAMAGE)


def _damaged(settings: Settings, exc: BaseException) -> StoreDamaged:
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return StoreDamaged(
        f"{settings.store_path} cannot be read ({reason}): it is damaged or not a HOM store; "
        "restore a backup with 'hom-desktop restore FILE --yes'",
        field="store",
    )


@dataclass(frozen=True)
class Upgrade:
    """What opening the store did to an older one: its backup, then the migration."""

    from_revision: str
    to_revision: str
    backup: Path | None

    def describe(self) -> str:
        kept = f"; the old store was backed up to {self.backup}" if self.backup else ""
        return (
            f"the store was upgraded from schema revision {self.from_revision} "
            f"to {self.to_revision}{kept}"
        )


@dataclass
class Store:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]  # read transactions
    writer_sessions: sessionmaker[Session]  # write transactions (take the write lock at BEGIN)
    upgraded: Upgrade | None = None  # set when this open migrated an older store
    lock: store_lock.StoreLock | None = None  # held while open, so a restore can refuse and say who

    @contextmanager
    def transaction(self, *, wait_ms: int | None = None) -> Iterator[Session]:
        """One user action: one session, one transaction, holding SQLite's write lock from the
        start so what it reads cannot change before it writes. ``wait_ms`` bounds the wait for
        that lock (else the settings' busy timeout); past it SQLite says "database is locked"
        before anything of the action has run (``AppSession.run_action`` waits in steps).

        Without ``wait_ms``, a lock kept past the busy timeout is raised as ``StoreBusy``
        naming the program that keeps it (nothing of this transaction was written).
        """
        factory = self.writer_sessions
        if wait_ms is not None:
            factory = make_session_factory(writer(self.engine, wait_ms=wait_ms))
        try:
            with unit_of_work(factory) as session:
                yield session
        except DatabaseError as exc:
            if is_locked(exc) and wait_ms is None:
                raise self.busy_error() from exc
            if is_damage_error(exc):
                raise _damaged(self.settings, exc) from exc
            raise

    def busy_error(self) -> StoreBusy:
        """``StoreBusy`` saying which program keeps the write lock (from the lock notes)."""
        mine = self.lock.mine_path if self.lock else None
        who = store_lock.describe_holders(self.settings.store_path, exclude=mine)
        seconds = self.settings.busy_timeout_ms / 1000
        return StoreBusy(
            f"the store is busy: {who} kept it locked for writing for more than {seconds:g} s; "
            "nothing was written, try again when it has finished",
            field="store",
        )

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A session for reading only (nothing it does is committed)."""
        try:
            with self.sessions() as session:
                yield session
        except DatabaseError as exc:
            if not is_damage_error(exc):
                raise
            raise _damaged(self.settings, exc) from exc

    def backup_if_due(self) -> Path | None:
        """The daily rolling backup, when none was taken in the last day (the GUI runs this in
        the background once its window shows); the backup's path, or None when not due."""
        settings = self.settings
        if not backup.backup_is_due(settings.backup_dir):
            return None
        return backup.rolling_backup(
            settings.store_path, settings.backup_dir, keep=settings.backups_kept
        )

    def checkpoint(self) -> None:
        """Fold the write-ahead log back into the store and truncate it (after a big job, so the
        ``-wal`` file does not keep its largest size); skipped quietly while a reader holds it."""
        if self.engine.dialect.name != "sqlite":
            return
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def replace_contents(self, source: Store) -> None:
        """Make this (SQLite) store a page-for-page copy of ``source``, in one step of SQLite's
        backup API: other connections see the new contents at once, and the write lock is
        held only while the pages are copied (the demo is built elsewhere, then copied in)."""
        source.checkpoint()
        src = sqlite3.connect(backup.read_only_uri(source.settings.store_path), uri=True)
        try:
            with self.engine.connect() as conn:  # nothing executed: no transaction is open
                dbapi = conn.connection.dbapi_connection
                assert dbapi is not None
                src.backup(dbapi)  # type: ignore[arg-type]
        finally:
            src.close()
        self.checkpoint()

    def close(self) -> None:
        self.engine.dispose()
        if self.lock is not None:
            self.lock.release()


def open_store(
    settings: Settings,
    *,
    auto_backup: bool = True,
    daily_backup: bool = True,
    check_identity: bool = True,
) -> Store:
    """Open (creating or migrating as needed) the store in ``settings.data_dir``.

    With ``auto_backup`` an existing store is backed up before a migration changes it and, with
    ``daily_backup`` too, once a day here; the GUI passes ``daily_backup=False`` and calls
    ``Store.backup_if_due`` in the background after its window shows.

    A store written by a newer release is refused (``migrate.StoreTooNew``) before any
    connection could change it; an older one is backed up, then migrated (``Store.upgraded``).
    A store file that is not where its installation recorded it (copied to another PC or
    folder, or put back by hand) starts a new change-log epoch here (``hom.sync.identity``).

    While open, the store holds its lock (``hom.core.lock``): opening is refused with
    ``StoreInUse`` while a restore runs. A file SQLite cannot read is refused with
    ``StoreDamaged``, a migration kept waiting by another writer with ``StoreBusy``.
    """
    held = store_lock.hold(settings.store_path)
    try:
        store = _open(
            settings,
            auto_backup=auto_backup,
            daily_backup=daily_backup,
            check_identity=check_identity,
            held=held,
        )
    except BaseException:
        held.release()
        raise
    return store


def _open(
    settings: Settings,
    *,
    auto_backup: bool,
    daily_backup: bool,
    check_identity: bool,
    held: store_lock.StoreLock,
) -> Store:
    if settings.store_path.exists() and not settings.store_path.is_file():
        raise StoreDamaged(
            f"{settings.store_path} cannot be read (it is a folder, not a store file): move it "
            "away, then restore a backup with 'hom-desktop restore FILE --yes'",
            field="store",
        )
    existed = settings.store_path.exists() and settings.store_path.stat().st_size > 0
    if existed:
        try:
            migrate.refuse_newer(settings.store_path)
        except sqlite3.DatabaseError as exc:
            raise _damaged(settings, exc) from exc
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.busy_timeout_ms)
    try:
        upgraded = _prepare(
            settings, engine, existed=existed, auto_backup=auto_backup, daily_backup=daily_backup
        )
    except DatabaseError as exc:
        engine.dispose()
        if is_locked(exc):
            raise StoreBusy(
                "the store is busy: "
                f"{store_lock.describe_holders(settings.store_path, exclude=held.mine_path)} "
                "is writing to it; try again when it has finished",
                field="store",
            ) from exc
        raise _damaged(settings, exc) from exc
    except BaseException:
        engine.dispose()
        raise
    store = Store(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        writer_sessions=make_session_factory(writer(engine)),
        upgraded=upgraded,
        lock=held,
    )
    if check_identity and existed:
        from hom.sync import identity  # the domain's rule; imported late (it needs the models)

        try:
            with store.transaction() as session:
                identity.check_store_file(session, path=settings.store_path)
        except BaseException:
            engine.dispose()
            raise
    return store


def _prepare(
    settings: Settings, engine: Engine, *, existed: bool, auto_backup: bool, daily_backup: bool
) -> Upgrade | None:
    """Bring the store's schema to the head (backed up first), or take the daily backup."""
    upgraded = None
    if existed:
        current = migrate.current_revision(engine)
        head = migrate.head_revision(engine)
        if current != head:
            made = None
            if auto_backup and current is not None:
                made = backup.rolling_backup(
                    settings.store_path,
                    settings.backup_dir,
                    keep=settings.backups_kept,
                    label=f"before-migration-{current}",
                )
            migrate.upgrade(engine)
            if current is not None and head is not None:
                upgraded = Upgrade(from_revision=current, to_revision=head, backup=made)
                log.info("%s", upgraded.describe())
        elif auto_backup and daily_backup and backup.backup_is_due(settings.backup_dir):
            backup.rolling_backup(
                settings.store_path, settings.backup_dir, keep=settings.backups_kept
            )
    else:
        migrate.upgrade(engine)
    return upgraded
