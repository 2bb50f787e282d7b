"""The kernel's connection to the catalog: one service and one ModelCatalog, opened on first
use and reopened when MODEL_CATALOG_URL / MODEL_CATALOG_ARTIFACT_ROOT change.

A kernel started by the Jupyter server has those variables set to the server's catalog
(``configuration.py``), so ``%catalog`` shows what the side panel shows."""
from __future__ import annotations

import os

_ENV = ("MODEL_CATALOG_URL", "MODEL_CATALOG_ARTIFACT_ROOT")


class CatalogConnection:
    """Lazily opened ``CatalogService`` + ``ModelCatalog`` sharing it."""

    def __init__(self):
        self._key = None
        self._service = None
        self._catalog = None

    def _ensure(self) -> None:
        key = tuple(os.environ.get(name) for name in _ENV)
        if key == self._key and self._service is not None:
            return
        self.close()
        from ..catalog import open_catalog  # SQLAlchemy and migrations load here, not at %load_ext
        from ..configuration import catalog_location

        self._service = open_catalog(*catalog_location())
        self._key = key

    @property
    def service(self):
        """The ``CatalogService`` every door shares."""
        self._ensure()
        return self._service

    @property
    def catalog(self):
        """The ADS-style ``ModelCatalog`` over the same service."""
        service = self.service
        if self._catalog is None:
            from ..api import ModelCatalog

            self._catalog = ModelCatalog(backend=service)
        return self._catalog

    def close(self) -> None:
        if self._service is not None:
            try:
                self._service.close()
            except Exception:  # closing is best effort; a new one opens next time
                pass
        self._service = self._catalog = self._key = None
