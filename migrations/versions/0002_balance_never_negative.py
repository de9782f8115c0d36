"""stock balances can never be negative, in the database itself

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 03:30:00
"""

from collections.abc import Sequence

from alembic import op

import hom.models.base  # noqa: F401  (custom column types)

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stock_balances", schema=None) as batch_op:
        batch_op.create_check_constraint("quantity_not_negative", "quantity >= 0")


def downgrade() -> None:
    with op.batch_alter_table("stock_balances", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_stock_balances_quantity_not_negative"), type_="check")
