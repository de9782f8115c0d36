"""Epochs are 64-bit: a restored or copied store's epoch is a Unix time in milliseconds
(``hom.sync.identity.next_epoch``), past a 32-bit integer.

Revision ID: srv0002
Revises: srv0001
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "srv0002"
down_revision = "srv0001"
branch_labels = None
depends_on = None

COLUMNS = (
    ("server_applied_seqs", "epoch"),
    ("server_rejected_items", "epoch"),
    ("server_change_feed", "origin_epoch"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite's INTEGER already holds 64 bits
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger())
