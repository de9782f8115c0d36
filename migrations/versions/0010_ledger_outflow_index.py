"""the dashboard's outflow per location over a period reads one covering index

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-01 07:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain CREATE INDEX (no batch): the ledger is not recreated, so its guards stay.
    op.create_index(
        "ix_stock_ledger_voucher_created",
        "stock_ledger",
        ["voucher_type", "created_at", "location_id", "quantity"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_stock_ledger_voucher_created", table_name="stock_ledger")
