"""Substring search over names and descriptions.

SQLite: an FTS5 index with the trigram tokenizer (any substring of 3+ characters is an
index lookup, case-insensitive), kept in step with ``models`` by triggers.  Without FTS5
trigram support (SQLite < 3.34) the catalog falls back to LIKE scans.

PostgreSQL: pg_trgm GIN indexes serve ILIKE '%...%' when the extension can be created;
otherwise ILIKE scans, which are still correct.

Revision ID: 0002_text_search
Revises: 0001_initial
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_text_search"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

_SQLITE = [
    """CREATE VIRTUAL TABLE models_fts USING fts5(
           display_name, description, content='models', content_rowid='seq', tokenize='trigram')""",
    """CREATE TRIGGER models_fts_insert AFTER INSERT ON models BEGIN
           INSERT INTO models_fts(rowid, display_name, description)
           VALUES (new.seq, new.display_name, new.description);
       END""",
    """CREATE TRIGGER models_fts_delete AFTER DELETE ON models BEGIN
           INSERT INTO models_fts(models_fts, rowid, display_name, description)
           VALUES ('delete', old.seq, old.display_name, old.description);
       END""",
    """CREATE TRIGGER models_fts_update AFTER UPDATE OF display_name, description ON models BEGIN
           INSERT INTO models_fts(models_fts, rowid, display_name, description)
           VALUES ('delete', old.seq, old.display_name, old.description);
           INSERT INTO models_fts(rowid, display_name, description)
           VALUES (new.seq, new.display_name, new.description);
       END""",
    "INSERT INTO models_fts(models_fts) VALUES ('rebuild')",
]


def _sqlite_has_trigram(bind) -> bool:
    try:
        bind.exec_driver_sql("CREATE VIRTUAL TABLE temp._probe_fts USING fts5(x, tokenize='trigram')")
        bind.exec_driver_sql("DROP TABLE temp._probe_fts")
        return True
    except sa.exc.DBAPIError:
        return False


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        if _sqlite_has_trigram(bind):
            for statement in _SQLITE:
                bind.exec_driver_sql(statement)
    elif bind.dialect.name == "postgresql":
        # Creating an extension needs privileges a team database may not grant: try it in a
        # savepoint and keep going without the index if it is refused.
        try:
            with bind.begin_nested():
                bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except sa.exc.DBAPIError:
            return
        bind.exec_driver_sql(
            "CREATE INDEX ix_models_name_trgm ON models USING gin (display_name gin_trgm_ops)")
        bind.exec_driver_sql(
            "CREATE INDEX ix_models_description_trgm ON models USING gin (description gin_trgm_ops)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("models_fts_insert", "models_fts_delete", "models_fts_update"):
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        bind.exec_driver_sql("DROP TABLE IF EXISTS models_fts")
    elif bind.dialect.name == "postgresql":
        bind.exec_driver_sql("DROP INDEX IF EXISTS ix_models_name_trgm")
        bind.exec_driver_sql("DROP INDEX IF EXISTS ix_models_description_trgm")
