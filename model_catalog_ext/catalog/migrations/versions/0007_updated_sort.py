"""Listing indexes for the side panel:

- sort by last update: (lifecycle_state, time_updated, seq), so the first page of a listing
  by "Updated" is an index range scan like the other sorts;
- one row per model: (version_set_id, lifecycle_state, version), so "is there a newer
  version in this state?" is one index probe per candidate row (without it SQLite walked
  every row of the state with a higher version number).

Revision ID: 0007_updated_sort
Revises: 0006_name_sort_key
"""
from alembic import op

revision = "0007_updated_sort"
down_revision = "0006_name_sort_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_models_state_updated", "models", ["lifecycle_state", "time_updated", "seq"])
    op.create_index("ix_models_set_state_version", "models", ["version_set_id", "lifecycle_state", "version"])


def downgrade() -> None:
    op.drop_index("ix_models_set_state_version", table_name="models")
    op.drop_index("ix_models_state_updated", table_name="models")
