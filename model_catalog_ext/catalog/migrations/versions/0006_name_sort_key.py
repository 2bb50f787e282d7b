"""Sort names case-insensitively: a ``name_key`` column (the display name case-folded in
Python, which SQLite's ASCII-only lower() cannot do) with its own listing index, filled in
for the models already there.

Revision ID: 0006_name_sort_key
Revises: 0005_blob_chunk_hash
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_name_sort_key"
down_revision = "0005_blob_chunk_hash"
branch_labels = None
depends_on = None


def _name_key(display_name: str) -> str:
    # records.name_key() as of this revision (a migration must not change with the code).
    return display_name.casefold()[:255]


def upgrade() -> None:
    with op.batch_alter_table("models") as batch:
        batch.add_column(sa.Column("name_key", sa.String(255), nullable=False, server_default=""))
    models = sa.table("models", sa.column("seq", sa.BigInteger), sa.column("display_name", sa.String),
                      sa.column("name_key", sa.String))
    conn = op.get_bind()
    rows = conn.execute(sa.select(models.c.seq, models.c.display_name)).fetchall()
    for start in range(0, len(rows), 5000):
        conn.execute(models.update().where(models.c.seq == sa.bindparam("s")).values(name_key=sa.bindparam("k")),
                     [{"s": seq, "k": _name_key(name)} for seq, name in rows[start:start + 5000]])
    op.create_index("ix_models_state_name_key", "models", ["lifecycle_state", "name_key", "seq"])


def downgrade() -> None:
    op.drop_index("ix_models_state_name_key", table_name="models")
    with op.batch_alter_table("models") as batch:
        batch.drop_column("name_key")
