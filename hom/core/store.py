"""Opening the local store: engine, session factory, migrations and automatic backups.

Before a migration changes an existing store it is backed up; once a day a rolling backup is
taken when the store opens.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hom.core import backup, migrate
from hom.core.config import Settings
from hom.core.database import make_engine, make_session_factory, unit_of_work, writer


@dataclass
class Store:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]  # read transactions
    writer_sessions: sessionmaker[Session]  # write transactions (take the write lock at BEGIN)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One user action: one session, one transaction, holding SQLite's write lock from the
        start so what it reads cannot change before it writes."""
        with unit_of_work(self.writer_sessions) as session:
            yield session

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A session for reading only (nothing it does is committed)."""
        with self.sessions() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def open_store(
    settings: Settings, *, auto_backup: bool = True, check_identity: bool = True
) -> Store:
    """Open (creating or migrating as needed) the store in ``settings.data_dir``.

    A store file that is not where its installation recorded it (copied to another PC or
    folder, or put back by hand) starts a new change-log epoch here (``hom.sync.identity``).
    """
    existed = settings.store_path.exists() and settings.store_path.stat().st_size > 0
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.busy_timeout_ms)
    if existed:
        current = migrate.current_revision(engine)
        if current != migrate.head_revision(engine):
            if auto_backup and current is not None:
                backup.rolling_backup(
                    settings.store_path,
                    settings.backup_dir,
                    keep=settings.backups_kept,
                    label=f"before-migration-{current}",
                )
            migrate.upgrade(engine)
        elif auto_backup and backup.backup_is_due(settings.backup_dir):
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
    )
    if check_identity and existed:
        from hom.sync import identity  # the domain's rule; imported late (it needs the models)

        with store.transaction() as session:
            identity.check_store_file(session, path=settings.store_path)
    return store
