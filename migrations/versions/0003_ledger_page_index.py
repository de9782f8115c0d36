"""the ledger view pages newest-first straight off one index (location, time, id)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 03:45:00
"""

from collections.abc import Sequence

from alembic import op

import hom.models.base  # noqa: F401  (custom column types)

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stock_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_ledger_location_created")
        batch_op.create_index(
            "ix_stock_ledger_location_created", ["location_id", "created_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("stock_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_ledger_location_created")
        batch_op.create_index(
            "ix_stock_ledger_location_created", ["location_id", "created_at"], unique=False
        )
