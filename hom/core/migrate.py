"""Running the Alembic chain from inside the application (and from the server).

The scripts live in the repository's top-level ``migrations/`` folder, which ships inside the
package as ``hom.migrations``. Opening a store that is already at the head needs no Alembic:
``head_revision`` reads the ``revision``/``down_revision`` lines of the scripts and
``current_revision`` the ``alembic_version`` table, so Alembic (about a third of a second to
import) is loaded only when a migration actually runs.
"""

from __future__ import annotations

import re
import sqlite3
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from hom.core.errors import DomainError

if TYPE_CHECKING:
    from alembic.config import Config

_REVISION = re.compile(r"^revision(?:\s*:\s*[^=]+)?\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(
    r"^down_revision(?:\s*:\s*[^=]+)?\s*=\s*(None|['\"]([^'\"]+)['\"])", re.MULTILINE
)


class StoreTooNew(DomainError):
    """The store was written by a newer release: this one must not open it."""

    code = "store_too_new"


def alembic_config(engine: Engine | None = None) -> Config:
    """A config that runs on a connection we hand it (``config.attributes["connection"]``): no
    URL goes through Alembic's ini interpolation, where a ``%`` in a folder name would break."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("hom.migrations")))
    return config


@cache
def _scripts() -> tuple[frozenset[str], frozenset[str]]:
    """Every revision of the shipped chain, and those some script names as its ``down_revision``,
    read from the script files (no Alembic import)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (resources.files("hom.migrations") / "versions").iterdir():
        if not script.name.endswith(".py"):
            continue
        source = script.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down is not None and down.group(2):
            parents.add(down.group(2))
    return frozenset(revisions), frozenset(parents)


def script_heads() -> tuple[str, ...]:
    """The revisions no script names as its ``down_revision``."""
    revisions, parents = _scripts()
    return tuple(sorted(revisions - parents))


def head_revision(engine: Engine | None = None) -> str | None:
    """The head of the chain (one head; Alembic itself is asked if the scripts show more)."""
    heads = script_heads()
    if len(heads) == 1:
        return heads[0]
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()  # type: ignore[arg-type]


def known_revisions() -> frozenset[str]:
    """Every revision id in the shipped chain."""
    return _scripts()[0]


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
    """The store's revision (None for a store no migration has touched)."""
    with engine.connect() as conn:
        try:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
        except (OperationalError, ProgrammingError):  # no such table: an empty store
            return None
    if len(rows) > 1:
        from alembic.runtime.migration import MigrationContext

        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    return rows[0][0] if rows else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

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
