"""The one base handler: JSON in, JSON out, and the single mapping from core errors to HTTP."""
from __future__ import annotations

import json

from jupyter_server.base.handlers import APIHandler

from ...errors import CatalogError

# Each typed core error has exactly one HTTP status; anything unlisted is a 400.
STATUS_BY_CODE = {
    "not_found": 404,
    "invalid_input": 400,
    "invalid_artifact": 422,
    "prepare_error": 422,
    "conflict": 412,
    "immutable_artifact": 409,
    "pending_changes": 409,
    "target_not_empty": 409,
    "damaged_artifact": 500,
}


class CatalogAPIHandler(APIHandler):
    """Base of every model-catalog handler."""

    @property
    def catalog(self):
        return self.settings["model_catalog"].service

    def write_json(self, data, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, default=str))

    def send_error_json(self, status: int, code: str, message: str, **details) -> None:
        body = {"error": code, "message": message}
        if details:
            body["details"] = details
        self.clear()
        self.write_json(body, status)

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, CatalogError) and not self._finished:
            status = STATUS_BY_CODE.get(e.code, 400)
            self.log.info("model-catalog: %s %s -> %s %s", self.request.method, self.request.path, status, e)
            self.send_error_json(status, e.code, e.message, **_jsonable(e.details))
            return
        super()._handle_request_exception(e)


def _jsonable(details: dict) -> dict:
    try:
        json.dumps(details, default=str)
        return details
    except (TypeError, ValueError):
        return {k: str(v) for k, v in details.items()}
