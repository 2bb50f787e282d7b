"""A change counter: every write transaction raises one of its 16 rows by one as its last
step, so a reader learns with one small read (the sum) whether anything changed since it
last looked -- what lets a catalog service answer a repeated listing from memory, across
all of its instances, without ever serving a page older than the caller's last write.
Sixteen rows rather than one: each write locks the row it raises until it commits, and
concurrent saves picking different rows do not wait for each other.

Revision ID: 0009_change_counter
Revises: 0008_model_history
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_change_counter"
down_revision = "0008_model_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "catalog_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("changes", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(table, [{"id": slot, "changes": 0} for slot in range(16)])


def downgrade() -> None:
    op.drop_table("catalog_changes")
