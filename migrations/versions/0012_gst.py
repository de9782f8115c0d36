"""GST master data: HSN code and GST rate on products and order lines, GSTIN on parties, and
the supplier's legal name, address and GSTIN on sites

Existing rows get an empty HSN code and GSTIN and no GST rate ("not set yet"); order lines keep
no rate until written again, and a tax invoice falls back to the product master for them.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-08 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORDER_LINES = ("primary_order_lines", "secondary_order_lines", "tertiary_order_lines")


def _text(name: str, length: int) -> sa.Column:
    return sa.Column(name, sa.String(length=length), server_default="", nullable=False)


def _rate() -> sa.Column:
    # A percentage in hundredths (hom.models.base.Percent), like money.
    return sa.Column("gst_rate", sa.BigInteger(), nullable=True)


def upgrade() -> None:
    # Only the ledger carries triggers; these tables can be rebuilt by batch mode safely.
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(_text("hsn_code", 8))
        batch_op.add_column(_rate())
    for table in ORDER_LINES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(_text("hsn_code", 8))
            batch_op.add_column(_rate())
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.add_column(_text("gstin", 15))
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(_text("legal_name", 160))
        batch_op.add_column(_text("address", 300))
        batch_op.add_column(_text("gstin", 15))


def downgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("gstin")
        batch_op.drop_column("address")
        batch_op.drop_column("legal_name")
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.drop_column("gstin")
    for table in ORDER_LINES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("gst_rate")
            batch_op.drop_column("hsn_code")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("gst_rate")
        batch_op.drop_column("hsn_code")
