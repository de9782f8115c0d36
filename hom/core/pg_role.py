"""The PostgreSQL role the server runs as: it may read and write everything except rewrite history.

The database owner runs the migrations; the server connects as ``hom_server``, which holds SELECT,
INSERT, UPDATE and DELETE on every table but only SELECT and INSERT on the stock ledger. So even a
bug or an injected statement in the server cannot UPDATE, DELETE or TRUNCATE a ledger entry; the
ledger's triggers refuse the same to the owner. Grants cover the tables that exist: run
``grant_server_role`` again after a migration that adds tables.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

SERVER_ROLE = "hom_server"
APPEND_ONLY_TABLES = ("stock_ledger",)

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def server_role_sql(role: str = SERVER_ROLE, *, schema: str = "public") -> list[str]:
    """The grants, as SQL a database administrator can also run by hand (see the README)."""
    for name in (role, schema):
        if not _IDENTIFIER.match(name):
            raise ValueError(f"{name!r} is not a plain lower-case SQL identifier")
    statements = [
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {schema} FROM {role}",
    ]
    for table in APPEND_ONLY_TABLES:
        statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {schema}.{table} FROM {role}")
    # The schema history belongs to whoever migrates, not to the server.
    statements.append(f"REVOKE INSERT, UPDATE, DELETE ON {schema}.alembic_version FROM {role}")
    return statements


def grant_server_role(
    connection: Connection, *, role: str = SERVER_ROLE, password: str | None = None
) -> None:
    """Create ``role`` (LOGIN, no superuser, no CREATE) if it does not exist, and give it the
    server's grants on the current database. Runs in the caller's transaction, as the owner."""
    if not _IDENTIFIER.match(role):
        raise ValueError(f"{role!r} is not a plain lower-case SQL identifier")
    exists = connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    if not exists:
        connection.exec_driver_sql(
            f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT"
        )
    if password is not None:
        # A literal, not a bind parameter: ALTER ROLE takes no parameters.
        quoted = "'" + password.replace("'", "''") + "'"
        connection.exec_driver_sql(f"ALTER ROLE {role} PASSWORD {quoted}")
    for statement in server_role_sql(role):
        connection.exec_driver_sql(statement)
