"""The server-only Alembic chain (its own version table, ``hom_server_alembic_version``)."""
