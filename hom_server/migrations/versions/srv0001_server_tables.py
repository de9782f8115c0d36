"""Server-only tables: devices, enrolment codes, refresh tokens, login attempts, applied
sequences, rejected items and the commit-ordered change feed.

Revision ID: srv0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "srv0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def _txid_default() -> sa.TextClause:
    # PostgreSQL: the writing transaction's id, which a reader compares with the oldest running
    # transaction (PgQ's watermark). SQLite serialises writers, so commit order is id order.
    if op.get_bind().dialect.name == "postgresql":
        return sa.text("(pg_current_xact_id()::text::bigint)")
    return sa.text("0")


def upgrade() -> None:
    op.create_table(
        "server_devices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=True),
        sa.Column("geo_node_id", sa.Uuid(), nullable=True),
        sa.Column("installation_id", sa.Uuid(), nullable=False),
        sa.Column("credential_hash", sa.String(length=64), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
        sa.Column("clock_offset_ms", sa.BigInteger(), nullable=True),
        sa.Column("app_version", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_devices")),
        sa.UniqueConstraint("credential_hash", name=op.f("uq_server_devices_credential_hash")),
        sa.UniqueConstraint("installation_id", name=op.f("uq_server_devices_installation_id")),
    )
    op.create_table(
        "server_enrolment_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=True),
        sa.Column("geo_node_id", sa.Uuid(), nullable=True),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_enrolment_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_server_enrolment_codes_code_hash")),
    )
    op.create_table(
        "server_refresh_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_server_refresh_tokens_token_hash")),
    )
    op.create_index(op.f("ix_server_refresh_tokens_user_id"), "server_refresh_tokens", ["user_id"])
    op.create_table(
        "server_login_attempts",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_login_attempts")),
    )
    op.create_index("ix_server_login_attempts_key_at", "server_login_attempts", ["key", "at"])
    op.create_table(
        "server_applied_seqs",
        sa.Column("installation_id", sa.Uuid(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("installation_id", "epoch", name=op.f("pk_server_applied_seqs")),
    )
    op.create_table(
        "server_rejected_items",
        sa.Column("installation_id", sa.Uuid(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("field", sa.String(length=120), nullable=True),
        sa.Column("depends_on", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("rejected_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint(
            "installation_id", "epoch", "seq", name=op.f("pk_server_rejected_items")
        ),
    )
    op.create_index(
        "ix_server_rejected_items_entity", "server_rejected_items", ["installation_id", "entity_id"]
    )
    op.create_table(
        "server_change_feed",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("txid", sa.BigInteger(), server_default=_txid_default(), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("operation", sa.String(length=16), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=True),
        sa.Column("to_site_id", sa.Uuid(), nullable=True),
        sa.Column("master", sa.Boolean(), nullable=False),
        sa.Column("payload_version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("origin_installation_id", sa.Uuid(), nullable=True),
        sa.Column("origin_epoch", sa.Integer(), nullable=True),
        sa.Column("origin_seq", sa.BigInteger(), nullable=True),
        sa.Column("device_created_at", sa.DateTime(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_change_feed")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_server_change_feed_order", "server_change_feed", ["txid", "id"])


def downgrade() -> None:
    op.drop_index("ix_server_change_feed_order", table_name="server_change_feed")
    op.drop_table("server_change_feed")
    op.drop_index("ix_server_rejected_items_entity", table_name="server_rejected_items")
    op.drop_table("server_rejected_items")
    op.drop_table("server_applied_seqs")
    op.drop_index("ix_server_login_attempts_key_at", table_name="server_login_attempts")
    op.drop_table("server_login_attempts")
    op.drop_index(op.f("ix_server_refresh_tokens_user_id"), table_name="server_refresh_tokens")
    op.drop_table("server_refresh_tokens")
    op.drop_table("server_enrolment_codes")
    op.drop_table("server_devices")
