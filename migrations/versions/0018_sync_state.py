"""where a store stands with its server: pull cursor, registered epoch, last sync, last check

Revision ID: 0018
Revises: 0012
Create Date: 2026-12-08 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hom.models.base import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("installation_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.Column("pull_cursor", sa.String(length=64), nullable=False),
        sa.Column("registered_epoch", sa.BigInteger(), nullable=False),
        sa.Column("credential_backend", sa.String(length=16), nullable=False),
        sa.Column("last_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_success_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=True),
        sa.Column("running_pid", sa.Integer(), nullable=False),
        sa.Column("running_since", UTCDateTime(), nullable=True),
        sa.Column("last_check", sa.String(length=1000), nullable=False),
        sa.Column("last_check_ok", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("installation_id", name=op.f("pk_sync_state")),
    )


def downgrade() -> None:
    op.drop_table("sync_state")
