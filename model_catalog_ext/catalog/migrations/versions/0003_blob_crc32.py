"""Record each blob's CRC-32 at save time, so zip downloads need not compute it again.

Revision ID: 0003_blob_crc32
Revises: 0002_text_search
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_blob_crc32"
down_revision = "0002_text_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: blobs stored before this revision get their CRC computed while zipping.
    with op.batch_alter_table("blobs") as batch:
        batch.add_column(sa.Column("crc32", sa.BigInteger, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("blobs") as batch:
        batch.drop_column("crc32")
