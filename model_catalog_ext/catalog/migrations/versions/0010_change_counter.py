"""A change counter and a change log.

Every write transaction, as its last step, raises the counter by one (``catalog_changes``,
one row) and writes the number it got, with the version sets it touched, to
``catalog_change_log``.  The counter's row lock is held from there to the commit, so the
numbers follow the order of the commits: whoever reads number N knows every change up to N
is committed, and which version sets each touched.  That lets a catalog service keep
listings in memory across all its instances (listing_cache.py): a page stays good while no
change since it was read touched its models or anything its query would now find.

Revision ID: 0010_change_counter
Revises: 0009_upload_saves
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_change_counter"
down_revision = "0009_upload_saves"
branch_labels = None
depends_on = None


def upgrade() -> None:
    counter = op.create_table(
        "catalog_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("changes", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(counter, [{"id": 1, "changes": 0}])
    op.create_table(
        "catalog_change_log",
        sa.Column("change_no", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("version_set_id", sa.String(64), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("catalog_change_log")
    op.drop_table("catalog_changes")
