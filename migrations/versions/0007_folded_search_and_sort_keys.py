"""folded search and sort keys on products, parties and geography

Search and sort compare text folded in Python (NFKC, case-folded, Latin accents dropped), so
SQLite and PostgreSQL give the same answers: see ``hom.core.folding``. Existing rows are filled
here with the same folding the models apply on every write.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hom.models.base  # noqa: F401  (custom column types)
from hom.core.folding import fold, search_key

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (columns searched, column sorted by)
TABLES = {
    "products": (("sku", "name"), "name"),
    "parties": (("code", "name"), "name"),
    "geo_nodes": (("code", "name"), "name"),
}


def _folded_text() -> sa.types.TypeEngine:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    bind = op.get_bind()
    for table, (searched, sorted_by) in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("search_key", _folded_text(), server_default="", nullable=False)
            )
            batch_op.add_column(
                sa.Column("sort_key", _folded_text(), server_default="", nullable=False)
            )
            batch_op.create_index(batch_op.f(f"ix_{table}_sort_key"), ["sort_key"], unique=False)
        t = sa.table(
            table,
            sa.column("id", sa.Uuid()),
            sa.column("search_key"),
            sa.column("sort_key"),
            *(sa.column(c) for c in {*searched, sorted_by}),
        )
        rows = bind.execute(sa.select(t.c.id, *(t.c[c] for c in {*searched, sorted_by}))).all()
        updates = [
            {
                "b_id": r.id,
                "search": search_key(*(getattr(r, c) for c in searched)),
                "sort": fold(getattr(r, sorted_by)),
            }
            for r in rows
        ]
        if updates:
            bind.execute(
                t.update()
                .where(t.c.id == sa.bindparam("b_id"))
                .values(search_key=sa.bindparam("search"), sort_key=sa.bindparam("sort")),
                updates,
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_sort_key"))
            batch_op.drop_column("sort_key")
            batch_op.drop_column("search_key")
