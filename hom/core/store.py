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
from sqlalchemy.orm import Session, sessionmaker

from hom.core import backup, migrate
from hom.core.config import Settings
from hom.core.database import make_engine, make_session_factory, unit_of_work, writer

log = logging.getLogger(__name__)


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

    @contextmanager
    def transaction(self, *, wait_ms: int | None = None) -> Iterator[Session]:
        """One user action: one session, one transaction, holding SQLite's write lock from the
        start so what it reads cannot change before it writes. ``wait_ms`` bounds the wait for
        that lock (else the settings' busy timeout); past it SQLite says "database is locked"
        before anything of the action has run (``AppSession.run_action`` waits in steps)."""
        factory = self.writer_sessions
        if wait_ms is not None:
            factory = make_session_factory(writer(self.engine, wait_ms=wait_ms))
        with unit_of_work(factory) as session:
            yield session

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A session for reading only (nothing it does is committed)."""
        with self.sessions() as session:
            yield session

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
    """
    existed = settings.store_path.exists() and settings.store_path.stat().st_size > 0
    if existed:
        migrate.refuse_newer(settings.store_path)
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.busy_timeout_ms)
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
    store = Store(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        writer_sessions=make_session_factory(writer(engine)),
        upgraded=upgraded,
    )
    if check_identity and existed:
        from hom.sync import identity  # the domain's rule; imported late (it needs the models)

        with store.transaction() as session:
            identity.check_store_file(session, path=settings.store_path)
    return store
