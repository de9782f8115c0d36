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


def known_revisions() -> frozenset[str]:
    """Every revision id of this version's migration chain (a store at any other is newer)."""
    script = ScriptDirectory.from_config(alembic_config(None))  # type: ignore[arg-type]
    return frozenset(rev.revision for rev in script.walk_revisions())


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
