"""The first schema: models, tags, artifacts, blobs.

Revision ID: 0001_initial
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "artifacts",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("file_count", sa.Integer, nullable=False),
        sa.Column("manifest", sa.Text, nullable=False),
    )
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("chunk_size", sa.Integer, nullable=False),
        sa.Column("chunk_digests", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_blobs_size", "blobs", ["size"])
    op.create_table(
        "artifact_blobs",
        sa.Column("digest", sa.String(64), sa.ForeignKey("artifacts.digest", ondelete="CASCADE"), primary_key=True),
        sa.Column("sha256", sa.String(64), primary_key=True),
    )
    op.create_index("ix_artifact_blobs_sha256", "artifact_blobs", ["sha256"])
    op.create_table(
        "models",
        sa.Column("seq", Seq, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("compartment_id", sa.String(255)),
        sa.Column("project_id", sa.String(255)),
        sa.Column("display_name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("time_created", sa.BigInteger, nullable=False),
        sa.Column("time_updated", sa.BigInteger, nullable=False),
        sa.Column("lifecycle_state", sa.String(16), nullable=False),
        sa.Column("framework", sa.String(64)),
        sa.Column("freeform_tags", sa.Text, nullable=False),
        sa.Column("defined_metadata", sa.Text, nullable=False),
        sa.Column("custom_metadata", sa.Text, nullable=False),
        sa.Column("input_schema", sa.Text),
        sa.Column("output_schema", sa.Text),
        sa.Column("provenance", sa.Text, nullable=False),
        sa.Column("version_set_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("parent_id", sa.String(64)),
        sa.Column("artifact_digest", sa.String(64), sa.ForeignKey("artifacts.digest"), nullable=False),
        sa.Column("artifact_size", sa.BigInteger, nullable=False),
        sa.Column("etag", sa.String(32), nullable=False),
        sa.UniqueConstraint("version_set_id", "version", name="uq_models_version"),
    )
    op.create_index("ix_models_state_seq", "models", ["lifecycle_state", "seq"])
    op.create_index("ix_models_state_name", "models", ["lifecycle_state", "display_name", "seq"])
    op.create_index("ix_models_state_version", "models", ["lifecycle_state", "version", "seq"])
    op.create_index("ix_models_created_by", "models", ["created_by", "seq"])
    op.create_index("ix_models_framework", "models", ["framework", "seq"])
    op.create_index("ix_models_project", "models", ["project_id", "seq"])
    op.create_index("ix_models_compartment", "models", ["compartment_id", "seq"])
    op.create_index("ix_models_time_created", "models", ["time_created"])
    op.create_index("ix_models_artifact", "models", ["artifact_digest"])
    op.create_table(
        "model_tags",
        sa.Column("seq", Seq, sa.ForeignKey("models.seq", ondelete="CASCADE"), primary_key=True),
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
    )
    op.create_index("ix_model_tags_kv", "model_tags", ["key", "value", "seq"])


def downgrade() -> None:
    op.drop_table("model_tags")
    op.drop_table("models")
    op.drop_table("artifact_blobs")
    op.drop_table("blobs")
    op.drop_table("artifacts")
