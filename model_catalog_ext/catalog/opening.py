"""Open the SQL store, turning "cannot reach it" into one readable error.

Database, schema, blob store, one at a time, so the message says which part failed (the
database at a URL, or the artifact root at a path), where that setting came from and what
to check, instead of a traceback from SQLAlchemy, psycopg or the OS.
"""
from __future__ import annotations

import os

from ..errors import CatalogError, CatalogUnavailable, InvalidInput
from . import defaults


def open_sql_store(url: str, artifact_root: str | None, *, storage_options: dict | None = None,
                   upgrade: bool | None = None, create: bool = True):
    """A :class:`~.sql_store.SqlStore` for ``url`` / ``artifact_root`` (None: environment, then
    default).  ``upgrade``: None upgrades an SQLite schema and checks any other (a shared
    database upgrades on purpose); True upgrades any; False only checks."""
    from .blobstore import open_blob_store
    from .engine import create_catalog_engine
    from .migrate import check_current, upgrade_to_head
    from .sql_store import SqlStore

    url = url or defaults.default_url()
    if not create:
        _refuse_missing_sqlite_file(url)
    root_source = _source(artifact_root, defaults.ARTIFACT_ROOT_ENV)
    artifact_root = artifact_root or defaults.default_artifact_root()
    url_source = _source(url, defaults.URL_ENV, defaults.default_url())
    engine = None
    try:
        engine = create_catalog_engine(url)
        if upgrade or (upgrade is None and engine.dialect.name == "sqlite"):
            upgrade_to_head(engine)
        else:
            check_current(engine, _hide_password(url))
    except CatalogError as exc:
        if engine is not None:
            engine.dispose()
        if isinstance(exc, CatalogUnavailable) and isinstance(exc.__cause__, Exception) \
                and not isinstance(exc.__cause__, CatalogError):
            # A database that cannot be reached (sql_errors: a 503 once open): at opening, say
            # which catalog and what to check.
            raise _database_error(url, url_source, exc.__cause__) from None
        raise  # already a message for people (e.g. a schema to upgrade)
    except Exception as exc:
        if engine is not None:
            engine.dispose()
        raise _database_error(url, url_source, exc) from None
    try:
        return SqlStore(engine, open_blob_store(artifact_root, storage_options))
    except CatalogError:
        engine.dispose()
        raise
    except Exception as exc:
        engine.dispose()
        raise CatalogUnavailable(
            f"Cannot use the artifact root '{artifact_root}'{root_source}: {_reason(exc)}. Check that it "
            "is a folder you can create and write to, or an fsspec URL such as s3://bucket/prefix whose "
            "package (s3fs for s3://) is installed.", artifact_root=artifact_root) from None


def _refuse_missing_sqlite_file(url: str) -> None:
    """A mistyped path must not become a new, empty catalog left behind there."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return  # the engine says what is wrong with it
    database = parsed.database
    if not parsed.drivername.startswith("sqlite") or not database or database == ":memory:" \
            or database.startswith("file:") or os.path.exists(database):
        return
    raise InvalidInput(f"There is no catalog at {os.path.abspath(database)}. Check the path; saving a model "
                       "into a new catalog there creates it.", path=os.path.abspath(database))


def _source(given: str | None, env: str, default: str | None = None) -> str:
    """Where a setting came from, when the caller did not choose it: the thing to change."""
    if given and given != default:
        return ""
    return f" (from ${env})" if os.environ.get(env) else " (the embedded default)"


def _database_error(url: str, source: str, exc: Exception) -> CatalogUnavailable:
    shown = _hide_password(url)
    if url.startswith("sqlite"):
        check = ("Check that the database file's folder exists or can be created, and that you can write "
                 "there.")
    else:
        check = ("Check the URL (user, host, port, database name) and that the database server is running "
                 "and accepts connections from this machine.")
    if isinstance(exc, ImportError):
        check += ' PostgreSQL needs the team extra: pip install "model-catalog-ext[team]".'
    return CatalogUnavailable(f"Cannot open the catalog database {shown}{source}: {_reason(exc)}. {check}",
                        url=shown)


def _reason(exc: Exception) -> str:
    """The first line of what went wrong, without the exception's class name."""
    if isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.strerror}: '{exc.filename}'" if exc.filename else exc.strerror
    else:
        text = str(getattr(exc, "orig", None) or exc) or type(exc).__name__
    return text.strip().splitlines()[0].rstrip(".")


def _hide_password(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy reads; the engine already refused it
        return url
