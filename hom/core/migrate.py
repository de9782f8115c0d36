"""Running the Alembic chain from inside the application (and from the server).

The scripts live in the repository's top-level ``migrations/`` folder, which ships inside the
package as ``hom.migrations``.
"""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine


def alembic_config(engine: Engine) -> Config:
    """A config that runs on a connection we hand it (``config.attributes["connection"]``): no
    URL goes through Alembic's ini interpolation, where a ``%`` in a folder name would break."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("hom.migrations")))
    return config


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, command.downgrade, revision)


def _run(engine: Engine, step, revision: str) -> None:
    """Run ``step`` in one transaction. On SQLite, foreign keys are off while it runs (a batch
    operation drops and re-creates a table that other tables' rows point at) and checked in
    full before the commit: a migration that broke a reference is rolled back."""
    config = alembic_config(engine)
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # a PRAGMA that changes nothing inside a transaction: set it before BEGIN
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                config.attributes["connection"] = conn
                step(config, revision)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(
                            f"the migration left {len(broken)} broken references, first: "
                            f"{broken[0]}; nothing was changed"
                        )
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
