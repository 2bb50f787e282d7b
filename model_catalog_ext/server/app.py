"""Wire the catalog into a running Jupyter Server.

The server owns exactly one CatalogService, built lazily from the traitlets below (so a
broken catalog URL is reported on the first request, with its reason, instead of
stopping the whole Jupyter Server from starting).
"""
from __future__ import annotations

import threading

from traitlets import Integer, Unicode
from traitlets.config import Configurable

from .jobs import JobRegistry
from .routes import setup_routes

SETTINGS_KEY = "model_catalog"
JOBS_KEY = "model_catalog_jobs"


class ModelCatalogConfig(Configurable):
    """Configuration of the model catalog server extension (``c.ModelCatalogConfig.*``)."""

    backend_url = Unicode(
        None,
        allow_none=True,
        config=True,
        help="Catalog metadata URL: sqlite:///path/catalog.db (default: under the Jupyter "
        "data dir), postgresql+psycopg://user@host/db, or oci://. Env: MODEL_CATALOG_URL.",
    )
    artifact_root = Unicode(
        None,
        allow_none=True,
        config=True,
        help="Where artifact bytes live: a path or an fsspec URL such as s3://bucket/prefix. "
        "Env: MODEL_CATALOG_ARTIFACT_ROOT.",
    )
    max_upload_size = Integer(
        10 * 1024**3,
        config=True,
        help="Largest artifact upload accepted over HTTP, in bytes.",
    )


class ServiceHolder:
    """Opens the CatalogService on first use, once, from any thread."""

    def __init__(self, config: ModelCatalogConfig):
        self.config = config
        self._service = None
        self._lock = threading.Lock()

    @property
    def service(self):
        if self._service is None:
            with self._lock:
                if self._service is None:
                    from ..catalog import open_catalog

                    self._service = open_catalog(
                        url=self.config.backend_url, artifact_root=self.config.artifact_root
                    )
        return self._service


def load_server_extension(server_app) -> None:
    config = ModelCatalogConfig(parent=server_app)
    web_app = server_app.web_app
    web_app.settings[SETTINGS_KEY] = ServiceHolder(config)
    web_app.settings[JOBS_KEY] = JobRegistry(log=server_app.log)
    setup_routes(web_app)
    server_app.log.info("model-catalog-ext: REST API registered under /model-catalog/api/")
