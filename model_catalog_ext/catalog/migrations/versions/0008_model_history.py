"""Model history: one row per save, edit, state change and delete of an entry (who, when,
what), written in the same transaction as the change, kept after the entry is deleted.

Models saved before this revision have no records of their earlier changes: their history
starts with the first change after the upgrade (inventing a "saved" record from today's
values would misstate what they were saved with).

Revision ID: 0008_model_history
Revises: 0007_updated_sort
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_model_history"
down_revision = "0007_updated_sort"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_history",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.String(64), nullable=False),
        sa.Column("version_set_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
    )
    op.create_index("ix_model_history_model", "model_history", ["model_id", "seq"])
    op.create_index("ix_model_history_set", "model_history", ["version_set_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_model_history_set", table_name="model_history")
    op.drop_index("ix_model_history_model", table_name="model_history")
    op.drop_table("model_history")
