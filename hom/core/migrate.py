"""Running the Alembic chain from inside the application (and from the server).

The scripts live in the repository's top-level ``migrations/`` folder, which ships inside the
package as ``hom.migrations``. Opening a store that is already at the head needs no Alembic:
``head_revision`` reads the ``revision``/``down_revision`` lines of the scripts and
``current_revision`` the ``alembic_version`` table, so Alembic (about a third of a second to
import) is loaded only when a migration actually runs.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

if TYPE_CHECKING:
    from alembic.config import Config

_REVISION = re.compile(r"^revision(?:\s*:\s*[^=]+)?\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(
    r"^down_revision(?:\s*:\s*[^=]+)?\s*=\s*(None|['\"]([^'\"]+)['\"])", re.MULTILINE
)


def alembic_config(engine: Engine) -> Config:
    """A config that runs on a connection we hand it (``config.attributes["connection"]``): no
    URL goes through Alembic's ini interpolation, where a ``%`` in a folder name would break."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("hom.migrations")))
    return config


@cache
def script_heads() -> tuple[str, ...]:
    """The revisions no script names as its ``down_revision``, read from the script files."""
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
    return tuple(sorted(revisions - parents))


def head_revision(engine: Engine | None = None) -> str | None:
    """The head of the chain (one head; Alembic itself is asked if the scripts show more)."""
    heads = script_heads()
    if len(heads) == 1:
        return heads[0]
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()  # type: ignore[arg-type]


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

    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
