"""The metadata store's tables (SQLAlchemy Core).  Alembic migrations create them; a test
checks that the migrated schema and these definitions agree.

- ``models``: one row per entry.  ``seq`` is the insertion order (the SQLite rowid), which
  is also creation order: listing by time sorts and pages on it, so every first page is an
  index range scan.  Times are integer microseconds since the epoch (UTC) so both SQLite
  and PostgreSQL compare them the same way.
- ``model_tags``: freeform tags, one row per (model, key), indexed (key, value, seq) so a
  tag filter walks the index in listing order.
- ``artifacts``: one row per distinct manifest (identical artifacts share it).
- ``artifact_blobs``: which blobs an artifact uses; the reference count of a blob.
- ``version_sets``: the last version number each version set handed out (numbers are
  never reused, even after the newest version is deleted).
- ``blobs``: stored blobs with their size and per-chunk digests, so a download can
  check each chunk before serving it.  Rows are also the lock a save and a blob deletion
  take on a digest.
- ``model_history``: one row per change of an entry (history.py), written in the change's
  transaction; no foreign key, so a deleted entry's history stays.  Indexed by entry and by
  version set, each in ``seq`` order.
- ``upload_saves``: which entry each completed resumable upload saved, written in the
  save's transaction; its primary key is what makes completing an upload exactly-once.
"""
from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# SQLite only makes INTEGER PRIMARY KEY an alias of the rowid (fast, monotonic);
# PostgreSQL wants a BIGINT identity.
SeqType = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

models = sa.Table(
    "models",
    metadata,
    sa.Column("seq", SeqType, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(64), nullable=False, unique=True),
    sa.Column("compartment_id", sa.String(255)),
    sa.Column("project_id", sa.String(255)),
    sa.Column("display_name", sa.String(255), nullable=False),
    sa.Column("name_key", sa.String(255), nullable=False, server_default=""),  # records.name_key()
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
    sa.Index("ix_models_state_seq", "lifecycle_state", "seq"),
    sa.Index("ix_models_state_name", "lifecycle_state", "display_name", "seq"),
    sa.Index("ix_models_state_name_key", "lifecycle_state", "name_key", "seq"),
    sa.Index("ix_models_state_version", "lifecycle_state", "version", "seq"),
    sa.Index("ix_models_state_updated", "lifecycle_state", "time_updated", "seq"),
    sa.Index("ix_models_set_state_version", "version_set_id", "lifecycle_state", "version"),
    sa.Index("ix_models_created_by", "created_by", "seq"),
    sa.Index("ix_models_framework", "framework", "seq"),
    sa.Index("ix_models_project", "project_id", "seq"),
    sa.Index("ix_models_compartment", "compartment_id", "seq"),
    sa.Index("ix_models_time_created", "time_created"),
    sa.Index("ix_models_artifact", "artifact_digest"),
)

model_tags = sa.Table(
    "model_tags",
    metadata,
    sa.Column("seq", SeqType, sa.ForeignKey("models.seq", ondelete="CASCADE"), primary_key=True),
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.String(256), nullable=False),
    sa.Index("ix_model_tags_kv", "key", "value", "seq"),
)

version_sets = sa.Table(
    "version_sets",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("last_version", sa.Integer, nullable=False),
)

artifacts = sa.Table(
    "artifacts",
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("file_count", sa.Integer, nullable=False),
    sa.Column("manifest", sa.Text, nullable=False),
)

artifact_blobs = sa.Table(
    "artifact_blobs",
    metadata,
    sa.Column("digest", sa.String(64), sa.ForeignKey("artifacts.digest", ondelete="CASCADE"), primary_key=True),
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Index("ix_artifact_blobs_sha256", "sha256"),
)

blobs = sa.Table(
    "blobs",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("chunk_size", sa.Integer, nullable=False),
    sa.Column("chunk_digests", sa.LargeBinary, nullable=False),
    # the function of chunk_digests: "blake3" since migration 0005, "sha256" before it
    sa.Column("chunk_hash", sa.String(16), nullable=False, server_default="sha256"),
    # CRC-32 of the bytes (zip headers need it; NULL for blobs stored before migration 0003)
    sa.Column("crc32", sa.BigInteger),
    sa.Index("ix_blobs_size", "size"),
)

model_history = sa.Table(
    "model_history",
    metadata,
    sa.Column("seq", SeqType, primary_key=True, autoincrement=True),
    sa.Column("model_id", sa.String(64), nullable=False),
    sa.Column("version_set_id", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("at", sa.BigInteger, nullable=False),  # microseconds since the epoch (UTC)
    sa.Column("actor", sa.String(255), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("changes", sa.Text, nullable=False),  # JSON {field: [old, new]}
    sa.Index("ix_model_history_model", "model_id", "seq"),
    sa.Index("ix_model_history_set", "version_set_id", "seq"),
)

upload_saves = sa.Table(
    "upload_saves",
    metadata,
    sa.Column("upload_key", sa.String(64), primary_key=True),  # the session's id and its nonce
    sa.Column("model_id", sa.String(64), nullable=False),
    sa.Column("at", sa.BigInteger, nullable=False),  # microseconds since the epoch (UTC)
)

# One row (id 1), raised by one by every write transaction as its last step; its row lock,
# held until the commit, makes the numbers follow the commits (migration 0010).
catalog_changes = sa.Table(
    "catalog_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("changes", sa.BigInteger, nullable=False),
)

# Which version sets each numbered change touched (the most recent ones are kept).
catalog_change_log = sa.Table(
    "catalog_change_log",
    metadata,
    sa.Column("change_no", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("version_set_id", sa.String(64), primary_key=True),
)
