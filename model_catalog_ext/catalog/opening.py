"""Open a catalog, turning "cannot reach it" into one readable error.

Database, migrations, blob store, one at a time, so the message says which part failed
(the database at a URL, or the artifact root at a path), where that setting came from and
what to check, instead of a traceback from SQLAlchemy, psycopg or the OS.
"""
from __future__ import annotations

import os

from ..errors import CatalogError, CatalogUnavailable
from . import defaults


def open_explained(url: str | None, artifact_root: str | None, storage_options: dict | None = None):
    """A CatalogService for ``url`` / ``artifact_root`` (None: environment, then default)."""
    from .blobstore import open_blob_store
    from .engine import create_catalog_engine
    from .migrate import upgrade_to_head
    from .service import CatalogService

    url_source = _source(url, defaults.URL_ENV)
    root_source = _source(artifact_root, defaults.ARTIFACT_ROOT_ENV)
    url = url or defaults.default_url()
    artifact_root = artifact_root or defaults.default_artifact_root()
    engine = None
    try:
        engine = create_catalog_engine(url)
        upgrade_to_head(engine)
    except CatalogError:
        raise  # already a message for people (e.g. an unsupported URL scheme)
    except Exception as exc:
        if engine is not None:
            engine.dispose()
        raise _database_error(url, url_source, exc) from None
    try:
        return CatalogService(engine, open_blob_store(artifact_root, storage_options))
    except CatalogError:
        engine.dispose()
        raise
    except Exception as exc:
        engine.dispose()
        raise CatalogUnavailable(
            f"Cannot use the artifact root '{artifact_root}'{root_source}: {_reason(exc)}. Check that it "
            "is a folder you can create and write to, or an fsspec URL such as s3://bucket/prefix whose "
            "package (s3fs for s3://) is installed.", artifact_root=artifact_root) from None


def _source(given: str | None, env: str) -> str:
    """Where a setting came from, when the caller did not pass it: the thing to change."""
    if given:
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
