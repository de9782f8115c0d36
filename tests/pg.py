"""Access to the PostgreSQL server the server-side tests need, skipping with a reason without it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

PG_ADMIN_URL = os.environ.get(
    "HOM_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _admin_engine():
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("PostgreSQL tests need psycopg: pip install 'psycopg[binary]'")
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {type(exc).__name__}")
    return engine


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new empty database for one test; dropped afterwards. Yields its URL."""
    admin = _admin_engine()
    name = f"hom_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- the services' tests on PostgreSQL ----------------------------------------------------
#
# Creating and dropping a database per test costs seconds here (DROP DATABASE waits for a
# checkpoint), so each test process makes ONE database, migrates it once, and before each test
# empties it and loads the rows an initialised store starts with (taken once per template key,
# like the SQLite template file). Triggers and foreign keys are off only while it resets.

_process_db: dict[str, object] = {}
_snapshots: dict[object, list[tuple[str, list[dict]]]] = {}


def _process_engine():
    """This process's migrated test database (created on first use, dropped at exit)."""
    if "engine" not in _process_db:
        import atexit

        from hom.core import migrate
        from hom.core.database import make_engine

        admin = _admin_engine()
        name = f"hom_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
        migrate.upgrade(engine)

        def _drop() -> None:
            engine.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        atexit.register(_drop)
        _process_db["engine"] = engine
    return _process_db["engine"]


def _tables():
    from hom.models import Base

    return [t for t in Base.metadata.sorted_tables]


def _reset(engine, rows: list[tuple[str, list[dict]]]) -> None:
    from hom.models import Base

    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        names = ", ".join(f'"{t.name}"' for t in _tables())
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY")
        for name, table_rows in rows:
            if table_rows:
                conn.execute(Base.metadata.tables[name].insert(), table_rows)


def store_at_template(tmp_path, key, initialize):
    """A ``Store`` on this process's PostgreSQL database holding exactly what ``initialize``
    (run once per ``key``) leaves in a new store."""
    from hom.core.config import load_settings
    from hom.core.database import make_session_factory, writer
    from hom.core.store import Store

    engine = _process_engine()
    if key not in _snapshots:
        _reset(engine, [])
        factory = make_session_factory(writer(engine))
        with factory() as session, session.begin():
            initialize(session, key)
        with engine.connect() as conn:
            _snapshots[key] = [
                (t.name, [dict(r._mapping) for r in conn.execute(t.select())]) for t in _tables()
            ]
    _reset(engine, _snapshots[key])
    return Store(
        settings=load_settings(tmp_path / "data"),
        engine=engine,
        sessions=make_session_factory(engine),
        writer_sessions=make_session_factory(writer(engine)),
    )
