"""The route table: every URL of the REST API, in one place."""
from __future__ import annotations

from jupyter_server.utils import url_path_join

from .handlers.version import VersionHandler

API_PREFIX = ("model-catalog", "api")


def api_routes():
    """(relative pattern, handler) pairs under /model-catalog/api/."""
    return [
        (r"version", VersionHandler),
    ]


def setup_routes(web_app) -> None:
    base_url = web_app.settings["base_url"]
    handlers = [
        (url_path_join(base_url, *API_PREFIX, pattern), handler)
        for pattern, handler in api_routes()
    ]
    web_app.add_handlers(".*$", handlers)
