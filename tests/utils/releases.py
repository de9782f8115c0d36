"""Stores as other releases left them: the previous release's schema, or a newer one's."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.script import ScriptDirectory

from hom.core import migrate
from hom.core.config import load_settings
from hom.core.database import make_engine
from hom.core.store import open_store

FUTURE = "9999_from_a_newer_release"


def previous_revision() -> str:
    """The revision before the head: the schema the previous release shipped."""
    script = ScriptDirectory.from_config(migrate.alembic_config())
    down = script.get_revision(migrate.head_revision()).down_revision
    assert isinstance(down, str), "the chain must be linear"
    return down


def old_store(data_dir: Path) -> Path:
    """A store made by the previous release: migrated only up to the revision before the head."""
    settings = load_settings(data_dir)
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine, previous_revision())
    engine.dispose()
    return settings.store_path


def newer_store(data_dir: Path) -> Path:
    """A store stamped by a release this one does not know."""
    settings = load_settings(data_dir)
    open_store(settings, auto_backup=False).close()
    with sqlite3.connect(settings.store_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (FUTURE,))
    conn.close()
    return settings.store_path
