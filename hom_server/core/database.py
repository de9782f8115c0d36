"""The server's database: engine, sessions, and both Alembic chains.

The shared chain (``hom.migrations``, the same scripts every desktop store runs) builds the domain
tables; the server's own chain (``hom_server/migrations``, version table
``hom_server_alembic_version``) adds the tables only the server has. PostgreSQL through psycopg 3
in production; an SQLite file by default, tuned exactly like a desktop store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from hom.core import migrate as shared_migrate
from hom.core.database import make_engine, make_session_factory, unit_of_work, writer
from hom.crud import site as site_crud
from hom.services import sites, users
from hom_server.core.config import ServerSettings
from hom_server.models import VERSION_TABLE

SERVER_INSTALLATION_NAME = "HOM central server"
#: Any constant: ``pg_advisory_xact_lock`` key that lets one process migrate at a time.
_MIGRATION_LOCK = 7_406_001


@dataclass
class ServerDatabase:
    settings: ServerSettings
    engine: Engine
    sessions: sessionmaker[Session]
    writer_sessions: sessionmaker[Session]

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One request that writes: committed at the end, rolled back on any error (on SQLite it
        holds the write lock from BEGIN, so what it reads cannot change before it writes)."""
        with unit_of_work(self.writer_sessions) as session:
            yield session

    @contextmanager
    def reader(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def open_database(settings: ServerSettings) -> ServerDatabase:
    engine = make_engine(settings.url, busy_timeout_ms=settings.busy_timeout_ms)
    return ServerDatabase(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        writer_sessions=make_session_factory(writer(engine)),
    )


def _server_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("hom_server.migrations")))
    return config


def server_head() -> str | None:
    return ScriptDirectory.from_config(_server_config()).get_current_head()


def server_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE}
        ).get_current_revision()


def is_current(engine: Engine) -> bool:
    return (
        shared_migrate.current_revision(engine) == shared_migrate.head_revision(engine)
        and server_revision(engine) == server_head()
    )


def upgrade(db: ServerDatabase) -> None:
    """Bring both chains to their heads; safe from several processes at once on PostgreSQL."""
    engine = db.engine
    if db.is_postgresql:
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            _upgrade_both(conn)
    else:
        with writer(engine).begin() as conn:
            _upgrade_both(conn)


def migrate(db: ServerDatabase) -> None:
    """``upgrade``, then make sure the roles and the server's own installation row exist."""
    upgrade(db)
    with db.transaction() as session:
        users.seed_roles(session)
        if site_crud.get_installation(session) is None:
            sites.register_installation(
                session, name=SERVER_INSTALLATION_NAME, site_id=None, currency="INR"
            )


def _upgrade_both(conn) -> None:
    shared = shared_migrate.alembic_config(conn.engine)
    shared.attributes["connection"] = conn
    command.upgrade(shared, "head")
    own = _server_config()
    own.attributes["connection"] = conn
    command.upgrade(own, "head")


def downgrade_server_chain(db: ServerDatabase, revision: str = "base") -> None:
    with writer(db.engine).begin() as conn:
        own = _server_config()
        own.attributes["connection"] = conn
        command.downgrade(own, revision)
