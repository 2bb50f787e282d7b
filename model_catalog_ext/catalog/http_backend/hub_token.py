"""Which token a client sends: ``$MODEL_CATALOG_TOKEN``, else, in a JupyterHub single-user
server, the user's own hub token -- but only to a service of that hub.

A single-user server (and every kernel and terminal it starts) has the user's hub token in
``$JUPYTERHUB_API_TOKEN``: with it the catalog service of the hub (``c.JupyterHub.services``)
knows who is calling without any set-up.  That token stands for the user on the hub, so it
goes only where the hub's proxy routes to one of the hub's services: a URL under
``<JUPYTERHUB_BASE_URL>services/<name>/`` on a host the hub's environment names (its API
URL, its public URL or host).  Any other catalog URL -- a typo, a copied notebook's URL, a
service elsewhere -- gets ``$MODEL_CATALOG_TOKEN`` or nothing.
"""
from __future__ import annotations

import os
from urllib.parse import urlsplit

CATALOG_TOKEN_ENV = "MODEL_CATALOG_TOKEN"
HUB_TOKEN_ENV = "JUPYTERHUB_API_TOKEN"
# Where the hub's environment names the hub: its internal API, its public URL, its public host.
_HUB_LOCATION_ENVS = ("JUPYTERHUB_API_URL", "JUPYTERHUB_PUBLIC_URL", "JUPYTERHUB_PUBLIC_HUB_URL", "JUPYTERHUB_HOST")


def token_for(url: str) -> tuple[str | None, str]:
    """``(token, the variable it came from)`` for the catalog service at ``url``."""
    if os.environ.get(CATALOG_TOKEN_ENV, "").strip():
        return os.environ[CATALOG_TOKEN_ENV].strip(), CATALOG_TOKEN_ENV
    hub_token = os.environ.get(HUB_TOKEN_ENV, "").strip()
    if hub_token and is_hub_service_url(url):
        return hub_token, HUB_TOKEN_ENV
    return None, CATALOG_TOKEN_ENV


def is_hub_service_url(url: str) -> bool:
    """Whether ``url`` is one of the services of the hub this process runs under."""
    parts = urlsplit(url)
    services = (os.environ.get("JUPYTERHUB_BASE_URL") or "/").rstrip("/") + "/services/"
    name = parts.path[len(services):].split("/", 1)[0] if parts.path.startswith(services) else ""
    return parts.scheme in ("http", "https") and bool(name) and parts.hostname in hub_hosts()


def hub_hosts() -> set[str]:
    """The host names the hub's environment gives for the hub."""
    hosts = set()
    for name in _HUB_LOCATION_ENVS:
        value = os.environ.get(name, "").strip()
        if value:
            host = urlsplit(value if "//" in value else f"//{value}").hostname
            if host:
                hosts.add(host)
    return hosts
