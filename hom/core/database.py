"""Engine and session factory.

SQLite is tuned on every new connection: WAL so readers never block the writer, foreign keys on,
``synchronous=NORMAL`` (safe with WAL), a ``journal_size_limit`` (so the ``-wal`` file shrinks
back after a big job's checkpoint), a busy timeout so a second process waits instead of failing,
and recursive triggers so INSERT OR REPLACE cannot rewrite a ledger entry. The same factory
serves PostgreSQL for the server, where none of the pragmas apply.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_BUSY_TIMEOUT_MS = 10_000
JOURNAL_SIZE_LIMIT = 4 * 2**20


def _tune_sqlite(dbapi_connection, _record, busy_timeout_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    # After a checkpoint the -wal file is cut back to this size instead of keeping its largest.
    cursor.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
    # INSERT OR REPLACE deletes a conflicting row without firing DELETE triggers unless this is
    # on: with it, replacing a ledger entry meets the ledger's no-delete trigger and is refused.
    # (A BEFORE INSERT trigger would refuse it for every program, but it cost a third of the
    # posting rate: see the README's benchmarks.)
    cursor.execute("PRAGMA recursive_triggers=ON")
    cursor.close()


WRITE_OPTION = "hom_write"
WAIT_OPTION = "hom_wait_ms"


def make_engine(
    url: str | URL, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS, echo: bool = False
) -> Engine:
    """An engine for ``url``; SQLite connections are tuned by a connect event.

    SQLite's Python driver starts a transaction only at the first write, so a service that reads
    a balance and then writes could act on a value another process changed in between. Here
    SQLAlchemy owns the BEGIN: a write transaction (an engine with the ``hom_write`` execution
    option, see ``writer``) begins IMMEDIATE, taking the write lock before its first read; read
    transactions begin DEFERRED and never block the writer (WAL).
    """
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, record) -> None:
            dbapi_connection.isolation_level = None  # the driver must not BEGIN on its own
            _tune_sqlite(dbapi_connection, record, busy_timeout_ms)

        @event.listens_for(engine, "begin")
        def _on_begin(conn) -> None:
            options = conn.get_execution_options()
            immediate = options.get(WRITE_OPTION, False)
            if immediate:  # how long this writer waits for the lock (see ``Store.transaction``)
                wait = int(options.get(WAIT_OPTION, busy_timeout_ms))
                conn.exec_driver_sql(f"PRAGMA busy_timeout={wait}")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def writer(engine: Engine, *, wait_ms: int | None = None) -> Engine:
    """The same engine, for write transactions (BEGIN IMMEDIATE on SQLite); ``wait_ms`` how
    long one waits for SQLite's write lock (else the engine's busy timeout)."""
    options: dict[str, object] = {WRITE_OPTION: True}
    if wait_ms is not None:
        options[WAIT_OPTION] = int(wait_ms)
    return engine.execution_options(**options)


def is_locked(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" (a writer waited past its busy timeout)."""
    return "database is locked" in str(getattr(exc, "orig", exc))


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (the GUI reads them after saving)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One session, one transaction: commit on success, roll back everything on any error."""
    with factory() as session, session.begin():
        yield session
