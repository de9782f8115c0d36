"""goods receipts: the buyer's document for a primary order's delivery

Two new tables (no existing table is recreated, so the ledger's guards stay). The lines' CHECKs
keep every quantity at zero or more and received + damaged within what was dispatched.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 01:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hom.models.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "goods_receipts",
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("dispatch_no", sa.String(length=40), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("received_at", hom.models.base.UTCDateTime(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", hom.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", hom.models.base.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("installation_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["stock_locations.id"],
            name=op.f("fk_goods_receipts_location_id_stock_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["primary_orders.id"],
            name=op.f("fk_goods_receipts_order_id_primary_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_goods_receipts_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goods_receipts")),
        sa.UniqueConstraint("number", name=op.f("uq_goods_receipts_number")),
        sa.UniqueConstraint("order_id", name=op.f("uq_goods_receipts_order_id")),
    )
    with op.batch_alter_table("goods_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_goods_receipts_business_date"), ["business_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_goods_receipts_site_id"), ["site_id"], unique=False)

    op.create_table(
        "goods_receipt_lines",
        sa.Column("receipt_id", sa.Uuid(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=True),
        sa.Column("dispatched_qty", sa.Integer(), nullable=False),
        sa.Column("received_qty", sa.Integer(), nullable=False),
        sa.Column("damaged_qty", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "damaged_qty >= 0", name=op.f("ck_goods_receipt_lines_damaged_not_negative")
        ),
        sa.CheckConstraint(
            "dispatched_qty >= 0", name=op.f("ck_goods_receipt_lines_dispatched_not_negative")
        ),
        sa.CheckConstraint(
            "received_qty + damaged_qty <= dispatched_qty",
            name=op.f("ck_goods_receipt_lines_not_more_than_dispatched"),
        ),
        sa.CheckConstraint(
            "received_qty >= 0", name=op.f("ck_goods_receipt_lines_received_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_goods_receipt_lines_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_goods_receipt_lines_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"],
            ["goods_receipts.id"],
            name=op.f("fk_goods_receipt_lines_receipt_id_goods_receipts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goods_receipt_lines")),
    )
    with op.batch_alter_table("goods_receipt_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_goods_receipt_lines_batch_id"), ["batch_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_goods_receipt_lines_receipt_id"), ["receipt_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("goods_receipt_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goods_receipt_lines_receipt_id"))
        batch_op.drop_index(batch_op.f("ix_goods_receipt_lines_batch_id"))

    op.drop_table("goods_receipt_lines")
    with op.batch_alter_table("goods_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goods_receipts_site_id"))
        batch_op.drop_index(batch_op.f("ix_goods_receipts_business_date"))

    op.drop_table("goods_receipts")
