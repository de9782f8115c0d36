"""Opening the local store: engine, session factory, migrations and automatic backups.

Before a migration changes an existing store it is backed up; once a day a rolling backup is
taken when the store opens.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from hom.core import backup, migrate
from hom.core import lock as store_lock
from hom.core.config import Settings
from hom.core.database import make_engine, make_session_factory, unit_of_work, writer
from hom.core.errors import DomainError


class StoreBusy(DomainError):
    """Another program held SQLite's write lock for longer than the busy timeout."""

    code = "store_busy"


class StoreDamaged(DomainError):
    """The store file is not a database SQLite can read, or it is damaged."""

    code = "store_damaged"


def is_busy_error(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" / "database is busy" (also wrapped by SQLAlchemy)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return isinstance(exc, OperationalError) and ("locked" in text or "busy" in text)


_DAMAGE = ("malformed", "not a database", "disk i/o error", "database corrupt")


def is_damage_error(exc: BaseException) -> bool:
    """True for SQLite's errors about a damaged or foreign file (not constraint violations)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return any(marker in text for marker in _DAMAGE)


@dataclass
class Store:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]  # read transactions
    writer_sessions: sessionmaker[Session]  # write transactions (take the write lock at BEGIN)
    lock: store_lock.StoreLock | None = None  # held while open, so a restore can refuse and say who

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One user action: one session, one transaction, holding SQLite's write lock from the
        start so what it reads cannot change before it writes.

        When another program keeps the write lock past the busy timeout, ``StoreBusy`` names it
        (nothing of this transaction was written)."""
        try:
            with unit_of_work(self.writer_sessions) as session:
                yield session
        except DatabaseError as exc:
            if is_busy_error(exc):
                raise self.busy_error() from exc
            if is_damage_error(exc):
                raise StoreDamaged(_damaged(self.settings, exc), field="store") from exc
            raise

    def busy_error(self) -> StoreBusy:
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
            raise StoreDamaged(_damaged(self.settings, exc), field="store") from exc

    def close(self) -> None:
        self.engine.dispose()
        if self.lock is not None:
            self.lock.release()


def open_store(
    settings: Settings, *, auto_backup: bool = True, check_identity: bool = True
) -> Store:
    """Open (creating or migrating as needed) the store in ``settings.data_dir``.

    A store file that is not where its installation recorded it (copied to another PC or
    folder, or put back by hand) starts a new change-log epoch here (``hom.sync.identity``).

    Raises ``StoreInUse`` while a restore runs, ``StoreDamaged`` for a file SQLite cannot read,
    and ``StoreBusy`` when a migration waits too long for another program's write lock.
    """
    held = store_lock.hold(settings.store_path)
    store: Store | None = None
    try:
        existed = settings.store_path.exists() and settings.store_path.stat().st_size > 0
        store = _open(settings, auto_backup=auto_backup, held=held)
        if check_identity and existed:
            from hom.sync import identity  # the domain's rule; imported late (it needs the models)

            with store.transaction() as session:
                identity.check_store_file(session, path=settings.store_path)
        return store
    except BaseException:
        if store is not None:
            store.engine.dispose()
        held.release()
        raise


def _open(settings: Settings, *, auto_backup: bool, held: store_lock.StoreLock) -> Store:
    existed = settings.store_path.exists() and settings.store_path.stat().st_size > 0
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.busy_timeout_ms)
    try:
        _prepare(settings, engine, existed=existed, auto_backup=auto_backup)
    except OperationalError as exc:
        engine.dispose()
        if is_busy_error(exc):
            who = store_lock.describe_holders(settings.store_path, exclude=held.mine_path)
            raise StoreBusy(
                f"the store is busy: {who} is writing to it; try again when it has finished",
                field="store",
            ) from exc
        raise StoreDamaged(_damaged(settings, exc), field="store") from exc
    except DatabaseError as exc:
        engine.dispose()
        raise StoreDamaged(_damaged(settings, exc), field="store") from exc
    return Store(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        writer_sessions=make_session_factory(writer(engine)),
        lock=held,
    )


def _damaged(settings: Settings, exc: DatabaseError) -> str:
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return (
        f"{settings.store_path} cannot be read ({reason}): it is damaged or not a HOM store; "
        "restore a backup with 'hom-desktop restore FILE --yes'"
    )


def _prepare(settings: Settings, engine: Engine, *, existed: bool, auto_backup: bool) -> None:
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
