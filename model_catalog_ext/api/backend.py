"""Resolve the ``backend`` argument of the Python API to a CatalogService.

``None`` means the embedded default (or ``$MODEL_CATALOG_URL``); a string is a catalog URL;
a CatalogService is used as is.  Services opened from URLs are shared within the process,
so many ``ModelCatalog()`` objects cost one database pool.
"""
from __future__ import annotations

import threading

_lock = threading.Lock()
_shared: dict[tuple, object] = {}


def resolve_backend(backend=None, artifact_root: str | None = None):
    """A CatalogService for ``backend`` (None, a URL string, or a CatalogService)."""
    from ..catalog import CatalogBackend, CatalogService, open_catalog
    from ..configuration import catalog_location

    if isinstance(backend, CatalogBackend):  # a backend object of one's own: the same rules apply
        backend = CatalogService(backend)
    if isinstance(backend, CatalogService):
        if artifact_root is not None:
            raise ValueError("artifact_root only applies when backend is a URL or None.")
        return backend
    if backend is not None and not isinstance(backend, str):
        raise TypeError(f"backend must be a catalog URL, a CatalogService or None, not {type(backend).__name__}.")
    from ..catalog import defaults

    url, root = catalog_location(backend, artifact_root)
    url, root = url or defaults.default_url(), root or defaults.default_artifact_root()
    key = (url, root)
    with _lock:
        service = _shared.get(key)
        if service is None:
            service = _shared[key] = open_catalog(url, root)
        return service


def reset_shared_backends() -> None:
    """Close every shared service (tests, or after changing $MODEL_CATALOG_URL)."""
    with _lock:
        for service in _shared.values():
            service.close()
        _shared.clear()
