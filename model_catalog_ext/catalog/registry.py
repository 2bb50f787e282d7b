"""Backends by URL scheme: the catalog URL says which backend serves it.

Built in: ``sqlite`` (the embedded default), ``postgresql`` / ``postgresql+psycopg`` (the
SQL store with an fsspec blob store) and ``oci`` (OCI Data Science's model catalog; the
``oci`` SDK is imported only when such a catalog is opened).  Other packages add schemes through the entry-point
group ``model_catalog_ext.backends``: each entry point is named after its scheme and loads
a factory ``factory(url, artifact_root, **options) -> CatalogBackend``, where the options are
``storage_options`` (for fsspec), ``upgrade`` (see :func:`open_catalog`) and ``create``
(False: refuse to create a catalog that is not there yet); a backend ignores what does not
apply to it.
For example, in a plug-in's ``pyproject.toml``::

    [project.entry-points."model_catalog_ext.backends"]
    memory = "my_package.memory:open_memory_backend"

:func:`register_backend` does the same at run time (tests use it).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from importlib import import_module

from ..errors import InvalidInput
from . import defaults
from .catalog_service import CatalogService
from .interface import CatalogBackend

ENTRY_POINT_GROUP = "model_catalog_ext.backends"
BackendFactory = Callable[..., CatalogBackend]

_BUILTIN = {
    "sqlite": "model_catalog_ext.catalog.opening:open_sql_store",
    "postgresql": "model_catalog_ext.catalog.opening:open_sql_store",
    "postgresql+psycopg": "model_catalog_ext.catalog.opening:open_sql_store",
    "oci": "model_catalog_ext.catalog.oci:open_oci_backend",
    "http": "model_catalog_ext.catalog.http_backend:open_http_backend",
    "https": "model_catalog_ext.catalog.http_backend:open_http_backend",
}
_registered: dict[str, BackendFactory] = {}
_lock = threading.Lock()


def register_backend(scheme: str, factory: BackendFactory) -> None:
    """Serve catalog URLs of ``scheme`` (``scheme://...``) with ``factory``."""
    with _lock:
        _registered[scheme.lower()] = factory


def unregister_backend(scheme: str) -> None:
    """Forget a scheme registered with :func:`register_backend`."""
    with _lock:
        _registered.pop(scheme.lower(), None)


def scheme_of(url: str) -> str:
    """``postgresql+psycopg`` of ``postgresql+psycopg://...``; '' when there is none."""
    head, sep, _ = url.partition(":")
    return head.lower() if sep else ""


def known_schemes() -> list[str]:
    """Every scheme a catalog URL may have here."""
    return sorted(set(_BUILTIN) | set(_registered) | {ep.name.lower() for ep in _entry_points()})


def backend_factory(url: str) -> BackendFactory:
    """The factory serving ``url``; InvalidInput listing the known schemes when none does."""
    scheme = scheme_of(url)
    with _lock:
        factory = _registered.get(scheme)
    if factory is not None:
        return factory
    if scheme in _BUILTIN:
        return _load(_BUILTIN[scheme])
    for ep in _entry_points():
        if ep.name.lower() == scheme:
            return ep.load()
    shown = f"'{scheme}://'" if scheme else "no scheme"
    raise InvalidInput(
        f"The catalog URL '{_without_password(url)}' has {shown}, which no installed backend serves. "
        f"Known schemes: {', '.join(s + '://' for s in known_schemes())}. For example "
        "sqlite:////home/me/catalog.db or postgresql+psycopg://user@host/dbname.", url=_without_password(url))


def open_backend(url: str | None = None, artifact_root: str | None = None, *,
                 storage_options: dict | None = None, upgrade: bool | None = None,
                 create: bool = True) -> CatalogBackend:
    """The backend for ``url`` (default ``$MODEL_CATALOG_URL``, else the embedded catalog)."""
    url = url or defaults.default_url()
    if not isinstance(url, str):
        raise InvalidInput(f"A catalog URL is text such as sqlite:////path/catalog.db, not {type(url).__name__}.")
    return backend_factory(url)(url, artifact_root, storage_options=storage_options, upgrade=upgrade, create=create)


def open_catalog(url: str | None = None, artifact_root: str | None = None, *,
                 storage_options: dict | None = None, upgrade: bool | None = None,
                 create: bool = True) -> CatalogService:
    """Open the catalog at ``url``: the :class:`CatalogService` every door calls.

    ``url``: ``sqlite:////path/catalog.db``, ``postgresql+psycopg://user@host/db``, or a
    scheme a plug-in registers; default ``$MODEL_CATALOG_URL`` else an SQLite file under the
    Jupyter data dir.  ``artifact_root``: a path or fsspec URL (``s3://bucket/prefix``) for
    backends that keep bytes apart; default ``$MODEL_CATALOG_ARTIFACT_ROOT`` else ``blobs/``
    next to the default database.  ``storage_options`` go to fsspec.  ``upgrade``: None
    upgrades an embedded (SQLite) schema and refuses an outdated shared one with the command
    that upgrades it; True upgrades (``jupyter model-catalog db upgrade``).  ``create=False``
    refuses to make a new catalog where there is none (a mistyped path).  Raises
    CatalogError saying which part cannot be opened, where its setting came from and what
    to check.
    """
    return CatalogService(open_backend(url, artifact_root, storage_options=storage_options, upgrade=upgrade,
                                       create=create))


def _load(target: str) -> BackendFactory:
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)


def _entry_points():
    from importlib.metadata import entry_points

    try:
        return list(entry_points(group=ENTRY_POINT_GROUP))
    except Exception:  # a broken distribution's metadata must not stop the built-in backends
        return []


def _without_password(url: str) -> str:
    head, sep, rest = url.partition("://")
    if not sep or "@" not in rest.split("/", 1)[0]:
        return url
    creds, _, host = rest.partition("@")
    user = creds.split(":", 1)[0]
    return f"{head}://{user}:***@{host}" if ":" in creds else url
