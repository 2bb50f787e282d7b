"""Remember the last version number each version set handed out, so a number is never given
twice: deleting the newest version used to let the next save take its number again.

Revision ID: 0004_version_sets
Revises: 0003_blob_crc32
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_version_sets"
down_revision = "0003_blob_crc32"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "version_sets",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("last_version", sa.Integer, nullable=False),
    )
    # What existing catalogs handed out so far is at least the highest version still there.
    op.execute("INSERT INTO version_sets (id, last_version) "
               "SELECT version_set_id, MAX(version) FROM models GROUP BY version_set_id")


def downgrade() -> None:
    op.drop_table("version_sets")
