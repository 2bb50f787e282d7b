"""Which token a client sends: ``$MODEL_CATALOG_TOKEN``, else, in a JupyterHub single-user
server, the user's own hub token -- but only to a service of that hub.

A single-user server (and every kernel and terminal it starts) has the user's hub token in
``$JUPYTERHUB_API_TOKEN``: with it the catalog service of the hub (``c.JupyterHub.services``)
knows who is calling without any set-up.  That token stands for the user on the hub, so it
goes only where the hub's proxy routes to one of the hub's services: a URL under
``<JUPYTERHUB_BASE_URL>services/<name>/`` at an origin (scheme, host and port) the hub's
environment names -- its public URL (``c.JupyterHub.public_url``), its public host, or its
internal API's.  Any other catalog URL -- a typo, a copied notebook's URL, a service
elsewhere, another port of the same host -- gets ``$MODEL_CATALOG_TOKEN`` or nothing.
"""
from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

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
    # The proxy resolves dot segments (also percent-encoded) before it routes: a path such as
    # /services/x/../../user/mallory/ would take the token to another user's server.
    if any(segment in (".", "..") for segment in unquote(parts.path).split("/")) or "%" in parts.path:
        return False
    services = (os.environ.get("JUPYTERHUB_BASE_URL") or "/").rstrip("/") + "/services/"
    name = parts.path[len(services):].split("/", 1)[0] if parts.path.startswith(services) else ""
    return bool(name) and _origin(url) in hub_origins()


def hub_origins() -> set[tuple[str, str, int]]:
    """The origins the hub's environment gives for the hub."""
    origins = set()
    for name in _HUB_LOCATION_ENVS:
        value = os.environ.get(name, "").strip()
        if value:
            origin = _origin(value)
            if origin is not None:
                origins.add(origin)
    return origins


def _origin(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an http(s) URL, the port spelled out."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port
