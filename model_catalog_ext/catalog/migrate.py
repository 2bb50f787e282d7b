"""Bring a metadata store to the newest schema with Alembic.

The embedded SQLite catalog upgrades itself on open: it has one user.  A PostgreSQL catalog
is shared by many servers, kernels and CLIs of several versions, so it upgrades only on
purpose (``jupyter model-catalog db upgrade``): opening one whose schema is older or newer
than this version's is refused with a message that names the command (:func:`check_current`).

Checking costs one ``SELECT`` (Alembic is imported only when a migration is due).  Several
processes upgrading at once are serialized: a file lock next to an SQLite database, an
advisory lock on PostgreSQL, so each migration runs once.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..errors import CatalogUnavailable

# Keep equal to the newest revision in migrations/versions (a test checks it).
HEAD_REVISION = "0010_change_counter"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_PG_LOCK_KEY = 7_242_001  # arbitrary, fixed: "the model-catalog migration lock"


def current_revision(engine: Engine) -> str | None:
    """The store's Alembic revision, or None for a new database."""
    with engine.connect() as conn:  # a database that cannot be reached is an error, not "new"
        try:
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        except sa.exc.DBAPIError:  # no such table
            return None


def known_revisions() -> list[str]:
    """Every revision this version knows, oldest first (the file names of the migrations)."""
    return sorted(p.stem for p in (MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def check_current(engine: Engine, shown_url: str) -> None:
    """CatalogUnavailable unless the store's schema is this version's (HEAD_REVISION)."""
    revision = current_revision(engine)
    if revision == HEAD_REVISION:
        return
    upgrade = f"jupyter model-catalog db upgrade --url '{shown_url}'"
    if revision is None:
        raise CatalogUnavailable(
            f"The catalog database {shown_url} has no model-catalog tables yet. A shared database is set up "
            f"on purpose, once, by whoever administers it: run `{upgrade}` (with the password in the URL or "
            "in PGPASSWORD), then try again.", url=shown_url, schema=None, expected=HEAD_REVISION)
    if revision in known_revisions():
        raise CatalogUnavailable(
            f"The catalog database {shown_url} has an older schema ({revision}) than this version of "
            f"model-catalog-ext needs ({HEAD_REVISION}). Its administrator upgrades it with `{upgrade}`; "
            "older versions still in use must be upgraded too, as they cannot read the new schema.",
            url=shown_url, schema=revision, expected=HEAD_REVISION)
    raise CatalogUnavailable(
        f"The catalog database {shown_url} has a newer schema ({revision}) than this version of "
        f"model-catalog-ext knows (up to {HEAD_REVISION}): it was upgraded by a newer release. Upgrade "
        "model-catalog-ext here (pip install -U model-catalog-ext) to use it.",
        url=shown_url, schema=revision, expected=HEAD_REVISION)


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
