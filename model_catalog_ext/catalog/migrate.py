"""Bring a metadata store to the newest schema with Alembic, on open.

Opening an up-to-date catalog costs one ``SELECT`` (Alembic is imported only when a
migration is due).  Several processes opening a new catalog at once are serialized:
a file lock next to an SQLite database, an advisory lock on PostgreSQL, so each migration
runs once.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

# Keep equal to the newest revision in migrations/versions (a test checks it).
HEAD_REVISION = "0007_updated_sort"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_PG_LOCK_KEY = 7_242_001  # arbitrary, fixed: "the model-catalog migration lock"


def current_revision(engine: Engine) -> str | None:
    """The store's Alembic revision, or None for a new database."""
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:
        return None


def alembic_config(connection=None):
    """An Alembic Config pointing at the packaged migrations (for tools and tests)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade_to_head(engine: Engine) -> None:
    """Run every pending migration (no-op when the schema is current)."""
    if current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    with _migration_lock(engine):
        with engine.connect().execution_options(catalog_write=True) as conn:
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
                command.upgrade(alembic_config(conn), "head")


@contextlib.contextmanager
def _migration_lock(engine: Engine):
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    try:
        import fcntl
    except ImportError:  # Windows: BEGIN IMMEDIATE alone serializes the DDL
        yield
        return
    fd = os.open(f"{database}.migrate-lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
