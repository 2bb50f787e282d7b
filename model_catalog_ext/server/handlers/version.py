"""GET version (the handshake the frontend checks on start), GET capabilities (which
catalog the server serves and what its backend can do, so the panel can hide the rest) and
GET stats (counts for status displays; what a client of a catalog service reports as its own)."""
from __future__ import annotations

import tornado

from ... import __version__
from .base import CatalogAPIHandler

API_VERSION = 1
# The BackendInfo a catalog service shows its callers instead of its own backend's.
PUBLIC_INFO_KEY = "model_catalog_public_info"


class VersionHandler(CatalogAPIHandler):
    @tornado.web.authenticated
    def get(self):
        self.write_json({"version": __version__, "api": API_VERSION})


class CapabilitiesHandler(CatalogAPIHandler):
    @tornado.web.authenticated
    async def get(self):
        catalog = self.catalog
        info, capabilities = await self.run_blocking(lambda: (catalog.info(), catalog.capabilities()))
        # A catalog service names itself to its callers, never its database (see service/extension.py).
        info = self.settings.get(PUBLIC_INFO_KEY) or info
        self.write_json({
            "version": __version__,
            "api": API_VERSION,
            "backend": {"kind": info.kind, "label": info.label, "location": info.location},
            "capabilities": capabilities.to_dict(),
        })


class StatsHandler(CatalogAPIHandler):
    @tornado.web.authenticated
    async def get(self):
        self.write_json(await self.run_blocking(self.catalog.stats))
