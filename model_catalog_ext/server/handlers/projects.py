"""GET projects: the Data Science projects of the catalog's compartment, for the panel and the
save dialog to offer (backends whose capabilities say ``projects``; else 400 unsupported)."""
from __future__ import annotations

import tornado

from .base import CatalogAPIHandler


class ProjectsHandler(CatalogAPIHandler):
    @tornado.web.authenticated
    async def get(self):
        compartment = self.get_query_argument("compartment_id", None) or None
        projects = await self.run_blocking(self.catalog.list_projects, compartment)
        self.write_json({"items": [{**p, "time_created": p["time_created"].isoformat() if p.get("time_created")
                                    else None} for p in projects]})
