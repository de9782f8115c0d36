"""the ledger refuses TRUNCATE; its guards survive the batch copy; enum CHECKs; sites get a zone

- SQLite's ``INSERT OR REPLACE`` deletes a conflicting row without firing DELETE triggers, so a
  ledger row could be rewritten. Every connection HOM opens sets ``recursive_triggers`` (see
  ``hom.core.database``), which makes the REPLACE fire the no-delete trigger; a BEFORE INSERT
  trigger doing the same for any program cost a third of the posting rate, so it is not added.
- PostgreSQL's ``TRUNCATE`` fires no row trigger: a statement-level TRUNCATE trigger refuses it.
- Every enum column gets a CHECK listing its values (SQLite recreates those tables: the ledger's
  triggers are dropped with the old table and created again below).
- Each site has the IANA time zone its calendar runs in (existing sites: Asia/Kolkata).

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hom.models.base  # noqa: F401  (custom column types)

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_APPEND_ONLY = "stock_ledger is append-only: post a reversing entry instead"

# Every ledger guard at this revision, by dialect (name -> CREATE statement).
LEDGER_GUARDS_SQLITE = {
    "stock_ledger_no_update": f"""CREATE TRIGGER stock_ledger_no_update
        BEFORE UPDATE ON stock_ledger
        BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END""",
    "stock_ledger_no_delete": f"""CREATE TRIGGER stock_ledger_no_delete
        BEFORE DELETE ON stock_ledger
        BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END""",
}
LEDGER_GUARDS_POSTGRESQL = {
    "stock_ledger_no_truncate": """CREATE TRIGGER stock_ledger_no_truncate
        BEFORE TRUNCATE ON stock_ledger
        FOR EACH STATEMENT EXECUTE FUNCTION hom_stock_ledger_append_only()""",
}

ENUM_CHECKS: dict[str, dict[str, tuple[str, ...]]] = {
    "sites": {"kind": ("head_office", "factory", "depot", "distributor")},
    "stock_locations": {
        "kind": ("finished_goods", "warehouse", "distributor_stock", "damaged"),
    },
    "parties": {"kind": ("distributor", "retailer")},
    "production_logs": {"shift": ("A", "B", "C")},
    "stock_ledger": {
        "voucher_type": (
            "opening",
            "production",
            "production_reversal",
            "transfer_out",
            "transfer_in",
            "adjustment",
            "dispatch",
            "receipt",
        ),
    },
    **{
        table: {"status": ("draft", "confirmed", "dispatched", "delivered", "cancelled")}
        for table in ("primary_orders", "secondary_orders", "tertiary_orders")
    },
}


def _in_list(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, columns in ENUM_CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, values in columns.items():
                batch_op.create_check_constraint(column, _in_list(column, values))
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "time_zone", sa.String(length=64), server_default="Asia/Kolkata", nullable=False
            )
        )
    if dialect == "sqlite":
        # The batch copy of stock_ledger above dropped the old table and its triggers.
        for name, create in LEDGER_GUARDS_SQLITE.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(create)
    elif dialect == "postgresql":
        for create in LEDGER_GUARDS_POSTGRESQL.values():
            op.execute(create)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for name in LEDGER_GUARDS_POSTGRESQL:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON stock_ledger")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
    for table, columns in ENUM_CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
    if dialect == "sqlite":
        for name, create in LEDGER_GUARDS_SQLITE.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(create)
