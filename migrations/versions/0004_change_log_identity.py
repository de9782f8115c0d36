"""the change log gets its identity (installation, epoch, seq) and full payloads; sign-in state
moves to a local table; the installation records its epoch, file fingerprint, demo flag and
enrolment

Rows queued before this revision carry no snapshot (ledger, batch and production rows had no
payload; order rows only number, status and version): they keep their seq in epoch 1 and are
marked ``legacy`` (never pushed; a store that enrols sends its full state first).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hom.models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SIGN_IN_COLUMNS = ("failed_logins", "locked_until", "last_login_at")


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.add_column(
        "installation", sa.Column("epoch", sa.BigInteger(), nullable=False, server_default="1")
    )
    op.add_column(
        "installation",
        sa.Column("fingerprint", sa.String(length=300), nullable=False, server_default=""),
    )
    op.add_column(
        "installation",
        sa.Column("is_demo", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "installation",
        sa.Column("enrolled_at", hom.models.base.UTCDateTime(), nullable=True),
    )
    op.add_column(
        "installation",
        sa.Column("server_url", sa.String(length=300), nullable=False, server_default=""),
    )

    op.create_table(
        "sync_epochs",
        sa.Column("installation_id", sa.Uuid(), nullable=False),
        sa.Column("epoch", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("compacted_through", sa.BigInteger(), nullable=False),
        sa.Column("started_at", hom.models.base.UTCDateTime(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("installation_id", "epoch", name=op.f("pk_sync_epochs")),
    )
    op.execute(
        "INSERT INTO sync_epochs (installation_id, epoch, last_seq, compacted_through, "
        "started_at, reason) SELECT i.id, 1, (SELECT COALESCE(MAX(seq), 0) FROM sync_outbox), 0, "
        "i.created_at, 'migrated' FROM installation i"
    )

    # The old outbox makes way for the new one (its rows are copied, then it goes).
    with op.batch_alter_table("sync_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_outbox_pending")
    op.rename_table("sync_outbox", "sync_outbox_old")
    if not _is_sqlite():
        op.execute(
            "ALTER TABLE sync_outbox_old RENAME CONSTRAINT pk_sync_outbox TO pk_sync_outbox_old"
        )
    _create_outbox()
    op.execute(
        "INSERT INTO sync_outbox (installation_id, epoch, seq, entity, entity_id, operation, "
        "site_id, payload_version, payload, created_at, status, attempts, last_attempt_at, "
        "last_error, acknowledged_at) "
        "SELECT (SELECT id FROM installation LIMIT 1), 1, o.seq, o.entity, o.entity_id, "
        "CASE WHEN o.operation = 'upsert' THEN 'update' ELSE o.operation END, NULL, 1, "
        "COALESCE(o.payload, '{}'), o.created_at, 'legacy', o.attempts, o.sent_at, '', NULL "
        "FROM sync_outbox_old o"
    )
    op.drop_table("sync_outbox_old")

    op.create_table(
        "user_sign_in",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", hom.models.base.UTCDateTime(), nullable=True),
        sa.Column("last_login_at", hom.models.base.UTCDateTime(), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("rehashed_from", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sign_in_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_sign_in")),
    )
    op.execute(
        "INSERT INTO user_sign_in (user_id, failed_logins, locked_until, last_login_at, "
        "password_hash, rehashed_from) SELECT id, failed_logins, locked_until, last_login_at, "
        "'', '' FROM users WHERE failed_logins <> 0 OR locked_until IS NOT NULL "
        "OR last_login_at IS NOT NULL"
    )
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy would drop and recreate
    # ``users``, and with foreign keys on that drop cascades to every user's roles.
    for column in _SIGN_IN_COLUMNS:
        if _is_sqlite():
            op.execute(f"ALTER TABLE users DROP COLUMN {column}")
        else:
            op.drop_column("users", column)


def _create_outbox() -> None:
    op.create_table(
        "sync_outbox",
        sa.Column("installation_id", sa.Uuid(), nullable=False),
        sa.Column("epoch", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("operation", sa.String(length=16), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=True),
        sa.Column("payload_version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", hom.models.base.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", hom.models.base.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("acknowledged_at", hom.models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("installation_id", "epoch", "seq", name=op.f("pk_sync_outbox")),
    )
    with op.batch_alter_table("sync_outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sync_outbox_status", ["status", "installation_id", "epoch", "seq"], unique=False
        )
        batch_op.create_index("ix_sync_outbox_entity", ["entity", "entity_id"], unique=False)


def downgrade() -> None:
    op.add_column(
        "users", sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column("users", sa.Column("locked_until", hom.models.base.UTCDateTime(), nullable=True))
    op.add_column("users", sa.Column("last_login_at", hom.models.base.UTCDateTime(), nullable=True))
    op.execute(
        "UPDATE users SET failed_logins = COALESCE((SELECT s.failed_logins FROM user_sign_in s "
        "WHERE s.user_id = users.id), 0), locked_until = (SELECT s.locked_until FROM "
        "user_sign_in s WHERE s.user_id = users.id), last_login_at = (SELECT s.last_login_at "
        "FROM user_sign_in s WHERE s.user_id = users.id)"
    )
    op.drop_table("user_sign_in")

    with op.batch_alter_table("sync_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_outbox_entity")
        batch_op.drop_index("ix_sync_outbox_status")
    op.rename_table("sync_outbox", "sync_outbox_new")
    if not _is_sqlite():
        op.execute(
            "ALTER TABLE sync_outbox_new RENAME CONSTRAINT pk_sync_outbox TO pk_sync_outbox_new"
        )
    op.create_table(
        "sync_outbox",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("operation", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("created_at", hom.models.base.UTCDateTime(), nullable=False),
        sa.Column("sent_at", hom.models.base.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_sync_outbox")),
    )
    with op.batch_alter_table("sync_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_sync_outbox_pending", ["sent_at", "seq"], unique=False)
    op.execute(
        "INSERT INTO sync_outbox (seq, entity, entity_id, operation, payload, created_at, "
        "sent_at, attempts) SELECT ROW_NUMBER() OVER (ORDER BY epoch, seq), entity, entity_id, "
        "operation, payload, created_at, acknowledged_at, attempts FROM sync_outbox_new"
    )
    op.drop_table("sync_outbox_new")
    op.drop_table("sync_epochs")
    for column in ("server_url", "enrolled_at", "is_demo", "fingerprint", "epoch"):
        if _is_sqlite():
            op.execute(f"ALTER TABLE installation DROP COLUMN {column}")
        else:
            op.drop_column("installation", column)
