"""The catalog core: immutable, versioned, searchable model storage.

No Jupyter, tornado or IPython imports here: the server, the magics, the CLI and the
Python API all call :class:`CatalogService` (``catalog_service.py``), which keeps the rules
over a backend chosen by the catalog URL's scheme (``registry.py``; the contract is
``interface.py``).  Names load lazily (PEP 562) so that ``import model_catalog_ext.catalog``
stays cheap; SQLAlchemy loads on first use, and only for the SQL store.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "open_catalog": ".registry",
    "open_backend": ".registry",
    "register_backend": ".registry",
    "unregister_backend": ".registry",
    "known_schemes": ".registry",
    "CatalogService": ".catalog_service",
    "CatalogBackend": ".interface",
    "Capabilities": ".interface",
    "BackendInfo": ".interface",
    "ArtifactFile": ".interface",
    "ModelEntry": ".entry",
    "ModelQuery": ".query",
    "TagFilter": ".query",
    "Page": ".query",
    "parse_search": ".search",
    "parse_tag": ".search",
    "parse_tags": ".search",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
