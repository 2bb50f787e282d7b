"""``CatalogServiceApp``: a Jupyter server that serves the catalog's REST API and nothing else.

Why a Jupyter server rather than a bare tornado application: the REST handlers are Jupyter
``APIHandler`` s, and the server gives them, tested as they are every day, the identity
provider (tokens), the XSRF and CORS checks, the JSON 401/403 answers and the logging.  What
a notebook server adds beyond that is switched off here: no contents, files, kernels,
sessions, terminals or other extensions (they would hand the service's own files and
credentials to its callers).
"""
from __future__ import annotations

import os
import tempfile

from jupyter_server.serverapp import ServerApp
from traitlets import default

from .hub_identity import CatalogHubIdentityProvider, running_under_hub
from .identity import CatalogServiceIdentityProvider

EXTENSION = "model_catalog_ext.service.extension"


class CatalogServiceApp(ServerApp):
    """``jupyter model-catalog serve``: the team catalog's REST API over one catalog URL."""

    name = "jupyter-model-catalog-service"  # its config file: jupyter_model_catalog_service_config.py
    description = "The model catalog as a shared service: the REST API of /model-catalog/api/ over one catalog."
    # Only what a client of the catalog needs: no contents, files, kernels, sessions, nbconvert...
    default_services = ()

    @default("identity_provider_class")
    def _default_identity_provider_class(self):
        return CatalogHubIdentityProvider if running_under_hub() else CatalogServiceIdentityProvider

    @default("base_url")
    def _default_base_url(self) -> str:
        # A hub's proxy passes /services/<name>/... on unchanged: serve under that prefix.
        return os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/") if running_under_hub() else "/"

    @default("allow_remote_access")
    def _default_allow_remote_access(self) -> bool:
        # Through a hub's proxy the Host is the hub's public name; the hub authenticates.
        return running_under_hub() or super()._default_allow_remote()

    @default("allow_unauthenticated_access")
    def _default_allow_unauthenticated_access(self) -> bool:
        return False  # a handler that forgot @authenticated still refuses strangers

    @default("reraise_server_extension_failures")
    def _default_reraise_server_extension_failures(self) -> bool:
        return True  # a service whose catalog or access policy fails to load must not start without it

    @default("answer_yes")
    def _default_answer_yes(self) -> bool:
        return True  # Ctrl-C stops a service; no "shut down all kernels?" question (it has none)

    @default("allow_root")
    def _default_allow_root(self) -> bool:
        # Jupyter refuses root because its users run code; here nobody does (no kernels or
        # terminals), and a hub starts its services as its own user, often root.
        return True

    @default("open_browser")
    def _default_open_browser(self) -> bool:
        return False

    @default("terminals_enabled")
    def _default_terminals_enabled(self) -> bool:
        return False

    @default("root_dir")
    def _default_root_dir(self) -> str:
        # Nothing is served from it (no contents or files routes); an empty folder all the same.
        return tempfile.mkdtemp(prefix="model-catalog-service-")

    def init_server_extensions(self) -> None:
        # This extension alone, whatever the Jupyter configuration files enable.
        self.jpserver_extensions = {EXTENSION: True}
        super().init_server_extensions()

    def init_configurables(self) -> None:
        super().init_configurables()
        self.contents_manager.files_handler_class = None  # no /files/ route onto the service's disk


def serve(argv: list[str]) -> None:
    """Run the service until it is stopped (``argv``: Jupyter server options)."""
    app = CatalogServiceApp.instance()
    app.initialize(argv, find_extensions=False)
    app.start()
