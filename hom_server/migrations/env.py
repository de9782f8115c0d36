"""Alembic environment of the server-only tables.

It runs on a connection the server hands it, after the shared chain (``hom.migrations``), and keeps
its own version table so the two chains never mix. No ``fileConfig()``: the server's logging stays.
"""

from __future__ import annotations

from alembic import context

from hom_server.models import VERSION_TABLE, ServerBase

config = context.config
target_metadata = ServerBase.metadata


def _include(obj, name, type_, reflected, compare_to) -> bool:
    """Only the server's own tables: the shared ones belong to the other chain."""
    if type_ == "table":
        return name in target_metadata.tables
    return True


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        include_object=_include,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
