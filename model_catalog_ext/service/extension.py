"""The catalog service's server extension: the catalog's routes only, over one catalog.

Loaded by :class:`~.app.CatalogServiceApp` alone (never by a user's Jupyter server): the
routes that read or write the server's own files and kernels (download into the file tree,
save a notebook or a file, save jobs) are left out.
"""
from __future__ import annotations

from ..server.app import JOBS_KEY, SETTINGS_KEY, ModelCatalogConfig, ServiceHolder
from ..server.jobs import JobRegistry
from ..server.routes import catalog_routes, setup_routes


def _jupyter_server_extension_points():
    return [{"module": "model_catalog_ext.service.extension"}]


def _load_jupyter_server_extension(server_app) -> None:
    config = ModelCatalogConfig(parent=server_app)
    web_app = server_app.web_app
    web_app.settings[SETTINGS_KEY] = ServiceHolder(config, server_app.log)
    web_app.settings[JOBS_KEY] = JobRegistry(log=server_app.log)
    setup_routes(web_app, catalog_routes())
    server_app.log.info("model-catalog service: serving %s under /model-catalog/api/",
                        web_app.settings[SETTINGS_KEY].service.url)
