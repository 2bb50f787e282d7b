"""The catalog service's server extension: the catalog's routes only, over one catalog.

Loaded by :class:`~.app.CatalogServiceApp` alone (never by a user's Jupyter server): the
routes that read or write the server's own files and kernels (download into the file tree,
save a notebook or a file, save jobs) are left out.
"""
from __future__ import annotations

from traitlets import Unicode
from traitlets.config import Configurable

from ..catalog.interface import BackendInfo
from ..server.app import JOBS_KEY, SETTINGS_KEY, ModelCatalogConfig, ServiceHolder
from ..server.handlers.version import PUBLIC_INFO_KEY
from ..server.jobs import JobRegistry
from ..server.routes import catalog_routes, setup_routes


def _jupyter_server_extension_points():
    return [{"module": "model_catalog_ext.service.extension"}]


class CatalogServiceConfig(Configurable):
    """Settings of the catalog service itself (``c.CatalogServiceConfig.*``)."""

    public_url = Unicode("", config=True,
                         help="The URL clients reach the service at, e.g. https://catalog.example.com: what its "
                              "messages call the catalog (never the database's URL, which only the service needs).")


def _load_jupyter_server_extension(server_app) -> None:
    config = ModelCatalogConfig(parent=server_app)
    web_app = server_app.web_app
    holder = ServiceHolder(config, server_app.log)
    web_app.settings[SETTINGS_KEY] = holder
    web_app.settings[JOBS_KEY] = JobRegistry(log=server_app.log)
    setup_routes(web_app, catalog_routes())
    catalog = holder.service  # opened now: a service that cannot open its catalog should say so at start
    server_app.log.info("model-catalog service: serving %s under /model-catalog/api/", catalog.url)
    # A backend names its catalog in messages (a model not found "in the catalog at ..."): to
    # the service's clients, that is the service, not its database.
    public_url = CatalogServiceConfig(parent=server_app).public_url
    catalog.backend.url = public_url or "this catalog service"
    # Nor does GET capabilities tell the service's callers where its database lives.
    web_app.settings[PUBLIC_INFO_KEY] = BackendInfo("service", "Team catalog service", public_url)
