"""Upload saves: the entry each completed resumable upload saved, keyed by the upload.

Completing an upload inserts its row in the save's own transaction, so two completes of
one upload at once (or a retry after a failure that followed the save) find the entry
the first one made instead of saving a second: the primary key allows one.

Revision ID: 0009_upload_saves
Revises: 0008_model_history
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_upload_saves"
down_revision = "0008_model_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "upload_saves",
        sa.Column("upload_key", sa.String(64), primary_key=True),
        sa.Column("model_id", sa.String(64), nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("upload_saves")
