"""The catalog service's server extension: the catalog's routes only, over one catalog.

Loaded by :class:`~.app.CatalogServiceApp` alone (never by a user's Jupyter server): the
routes that read or write the server's own files and kernels (download into the file tree,
save a notebook or a file, save jobs) are left out.
"""
from __future__ import annotations

from traitlets import Unicode
from traitlets.config import Configurable

from ..catalog.interface import BackendInfo
from ..errors import InvalidInput
from ..server.app import JOBS_KEY, SETTINGS_KEY, ModelCatalogConfig, ServiceHolder
from ..server.handlers.version import PUBLIC_INFO_KEY
from ..server.jobs import JobRegistry
from ..server.routes import catalog_routes, setup_routes
from .policed_catalog import policed
from .policy_file import PolicyFile

# The web app setting the handlers' ``catalog`` property applies per request (base.py).
ACCESS_KEY = "model_catalog_access"


def _jupyter_server_extension_points():
    return [{"module": "model_catalog_ext.service.extension"}]


class CatalogServiceConfig(Configurable):
    """Settings of the catalog service itself (``c.CatalogServiceConfig.*``)."""

    public_url = Unicode("", config=True,
                         help="The URL clients reach the service at, e.g. https://catalog.example.com: what its "
                              "messages call the catalog (never the database's URL, which only the service needs).")


class CatalogServicePolicy(Configurable):
    """The access policy of the catalog service (``c.CatalogServicePolicy.*``)."""

    policy_file = Unicode("", config=True,
                          help="A YAML (or JSON) file saying who may read, write or administer each compartment "
                               "(docs/access-policy.md), read again whenever it changes. Without one, every "
                               "authenticated caller may read, change and delete every model.")


def install_policy(server_app, catalog) -> None:
    """Check every request against the policy file, if there is one (else say that there is none)."""
    path = CatalogServicePolicy(parent=server_app).policy_file
    if not path:
        server_app.log.warning("model-catalog service: no access policy (c.CatalogServicePolicy.policy_file, "
                               "--policy): every authenticated caller may read, change and delete every model.")
        return
    source = PolicyFile(path, server_app.log)  # a broken policy stops the service here
    if not getattr(catalog.backend, "filters_by_scope", False):
        raise InvalidInput(f"The access policy {path} needs a catalog that filters listings by compartment "
                           f"(PostgreSQL or SQLite); {catalog.info().label} does not.")
    server_app.web_app.settings[ACCESS_KEY] = lambda catalog, user: policed(catalog, source.current(), user)
    policy = source.current()
    server_app.log.info("model-catalog service: access policy %s: %d compartment(s), admins %s; models saved "
                        "without a compartment go into '%s'.", path, len(policy.compartments),
                        ", ".join(sorted(policy.admins)) or "(per compartment only)", policy.default_compartment)


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
    install_policy(server_app, catalog)
