"""Any other URL under /model-catalog/api/: a JSON 404 like every other error of this API
(Jupyter's own 404 is an HTML page a client cannot read)."""
from __future__ import annotations

import tornado

from ...errors import RouteNotFound
from .base import CatalogAPIHandler


class NotFoundHandler(CatalogAPIHandler):
    def _not_found(self):
        raise RouteNotFound(
            f"The model catalog API has no {self.request.method} {self.request.path}; its routes are "
            "listed in model_catalog_ext/server/openapi.yaml.",
            method=self.request.method,
            path=self.request.path,
        )

    @tornado.web.authenticated
    def _answer(self, *args):
        self._not_found()

    get = head = post = put = patch = delete = _answer
