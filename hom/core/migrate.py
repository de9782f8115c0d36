"""Running the Alembic chain from inside the application (and from the server).

The scripts live in the repository's top-level ``migrations/`` folder, which ships inside the
package as ``hom.migrations``.
"""

from __future__ import annotations

import sqlite3
from functools import cache
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from hom.core.errors import DomainError


class StoreTooNew(DomainError):
    """The store was written by a newer release: this one must not open it."""

    code = "store_too_new"


def alembic_config(engine: Engine | None = None) -> Config:
    """A config that runs on a connection we hand it (``config.attributes["connection"]``): no
    URL goes through Alembic's ini interpolation, where a ``%`` in a folder name would break."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("hom.migrations")))
    return config


def head_revision(engine: Engine | None = None) -> str | None:
    """The newest revision this application knows (the head of the shipped chain)."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


@cache
def known_revisions() -> frozenset[str]:
    """Every revision id in the shipped chain."""
    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(rev.revision for rev in script.walk_revisions())


def revision_of_file(path: Path) -> str | None:
    """The schema revision recorded in the store file at ``path``, read without changing a byte
    (a read-only connection: no WAL switch, no journal); None for a file without one."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:  # no alembic_version table, or not an SQLite file at all
        return None
    finally:
        conn.close()
    return row[0] if row else None


def refuse_newer(path: Path) -> None:
    """Raise ``StoreTooNew`` when the store at ``path`` has a revision this release lacks."""
    revision = revision_of_file(path)
    if revision is not None and revision not in known_revisions():
        raise StoreTooNew(
            f"the store {path} was written by a newer version of the application "
            f"(schema revision {revision}; this version knows up to {head_revision()}). "
            "Install the newer version to use it; the store was not opened or changed",
            field="store",
        )


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
