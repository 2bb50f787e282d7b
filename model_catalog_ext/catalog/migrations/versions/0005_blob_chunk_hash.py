"""Name the function of each blob's chunk digests: new blobs use BLAKE3, three times as fast
as sha256 here, so saves and downloads keep up with the disk; the blobs stored before keep
their sha256 chunk digests and are checked with sha256.

Revision ID: 0005_blob_chunk_hash
Revises: 0004_version_sets
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_blob_chunk_hash"
down_revision = "0004_version_sets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("blobs") as batch:
        batch.add_column(sa.Column("chunk_hash", sa.String(16), nullable=False, server_default="sha256"))


def downgrade() -> None:
    # Earlier revisions check every chunk digest with sha256: drop the BLAKE3 ones, so those
    # blobs are checked whole (against their sha256) before they are served.
    blobs = sa.table("blobs", sa.column("chunk_digests", sa.LargeBinary), sa.column("chunk_hash", sa.String))
    op.execute(blobs.update().where(blobs.c.chunk_hash != "sha256").values(chunk_digests=b""))
    with op.batch_alter_table("blobs") as batch:
        batch.drop_column("chunk_hash")
