"""GET /model-catalog/api/version — the handshake the frontend checks on start."""
from __future__ import annotations

import tornado

from ... import __version__
from .base import CatalogAPIHandler


class VersionHandler(CatalogAPIHandler):
    @tornado.web.authenticated
    def get(self):
        self.write_json({"version": __version__, "api": 1})
