"""GET jobs/{id}: where a save is."""
from __future__ import annotations

import tornado

from ...errors import ModelNotFound
from .base import CatalogAPIHandler


class JobHandler(CatalogAPIHandler):
    @tornado.web.authenticated
    def get(self, job_id):
        job = self.jobs.get(job_id)
        if job is None:
            raise ModelNotFound(f"No job '{job_id}' on this server (finished jobs are kept for an hour).")
        self.write_json(job.to_dict())
