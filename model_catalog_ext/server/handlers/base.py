"""The one base handler: JSON in, JSON out, and the single mapping from core errors to HTTP."""
from __future__ import annotations

import functools
import json

from jupyter_server.base.handlers import APIHandler
from tornado.ioloop import IOLoop

from ...errors import STATUS_BY_CODE, CatalogError, InvalidInput, PayloadTooLarge  # noqa: F401 (re-exported)
from ..error_body import error_body
from ..identity import created_by
from ..json_input import parse_json

# Query parameters Jupyter itself reads on any request (URL login, XSRF in a form,
# activity tracking): never a handler's own, never "unknown".
JUPYTER_QUERY_PARAMS = frozenset({"token", "_xsrf", "no_track_activity"})


class CatalogAPIHandler(APIHandler):
    """Base of every model-catalog handler: parse, call the service, serialize."""

    @property
    def catalog(self):
        return self.settings["model_catalog"].service

    @property
    def catalog_config(self):
        return self.settings["model_catalog"].config

    @property
    def jobs(self):
        return self.settings["model_catalog_jobs"]

    async def run_blocking(self, fn, *args, **kwargs):
        """Run a blocking service call (SQL, file I/O) off the event loop."""
        return await IOLoop.current().run_in_executor(None, functools.partial(fn, *args, **kwargs))

    def write_json(self, data, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, default=str))

    def json_body(self, allowed: set[str] | None = None, required: set[str] = frozenset()) -> dict:
        """The request's JSON object; unknown or missing fields are a 400 naming them."""
        data = parse_json(self.request.body or b"{}", "The request body")
        if not isinstance(data, dict):
            raise InvalidInput("The request body must be a JSON object.")
        if allowed is not None:
            unknown = sorted(set(data) - allowed)
            if unknown:
                raise InvalidInput(
                    f"Unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}.",
                    unknown=unknown,
                )
        missing = sorted(k for k in required if data.get(k) in (None, ""))
        if missing:
            raise InvalidInput(f"Missing required field(s): {', '.join(missing)}.", missing=missing)
        return data

    def unknown_query_params(self, known: set[str]) -> list[str]:
        """Query parameters this handler does not know (Jupyter's own are not unknown)."""
        # JupyterLab's ServerConnection appends a bare number to GETs as a cache-buster.
        return sorted(k for k in set(self.request.query_arguments) - set(known) - JUPYTER_QUERY_PARAMS
                      if not k.isdigit())

    def user_name(self) -> str | None:
        """``created_by`` of what this request saves (see identity.py)."""
        return created_by(self.identity_provider, self.current_user)

    def send_error_json(self, status: int, code: str, message: str, **details) -> None:
        self.clear()
        if status == 413:  # the rest of the body is not read: the connection ends after this
            self.set_header("Connection", "close")
        self.write_json(error_body(code, message, details), status)

    def write_error(self, status_code: int, **kwargs) -> None:
        """Every error this API answers has the same shape: {"error", "message"}.
        (Typed core errors never get here: _handle_request_exception answers them.)"""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = getattr(exc, "log_message", None) or self._reason
        code = "http_error" if status_code < 500 else "internal_error"
        if status_code >= 500 and exc is not None and not getattr(exc, "log_message", None):
            message = f"{type(exc).__name__}: {exc}"
        self.send_error_json(status_code, code, message)

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, CatalogError):
            if self._finished:
                return
            status = STATUS_BY_CODE.get(e.code, 400)
            self.log.info("model-catalog: %s %s -> %s: %s", self.request.method, self.request.path, status, e)
            if self._headers_written:
                # A stream already started: cut it so the client sees a failed transfer,
                # never wrong bytes presented as complete.
                self.request.connection.close()
                return
            self.send_error_json(status, e.code, e.message, **e.details)
            return
        super()._handle_request_exception(e)

