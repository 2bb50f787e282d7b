"""The one base handler: JSON in, JSON out, and the single mapping from core errors to HTTP."""
from __future__ import annotations

import functools
import json

from jupyter_server.base.handlers import APIHandler
from tornado import web
from tornado.ioloop import IOLoop

from ...errors import CatalogError, InvalidInput, PayloadTooLarge
from ..error_body import error_body, internal_error_message, new_error_id, public_error
from ..identity import AUTHOR_HEADER, created_by, may_record_authors, requested_author
from ..json_input import parse_json

# Query parameters Jupyter itself reads on any request (URL login, XSRF in a form,
# activity tracking): never a handler's own, never "unknown".
JUPYTER_QUERY_PARAMS = frozenset({"token", "_xsrf", "no_track_activity"})


# A JSON request body (an edit, a download, a save request) is metadata: as much as a
# save's 'metadata' part may hold (upload.MAX_METADATA_BYTES).
MAX_JSON_BODY = 1024 * 1024


class NotAuthenticated(web.HTTPError):
    """No credentials, or ones the server does not know: 401 (403 is for a known user who may
    not do this, e.g. a cookie request without its XSRF token)."""

    def __init__(self):
        super().__init__(401, "Not authenticated: send the server's token (Authorization: token ...) "
                              "or log in to Jupyter first.")


class CatalogAPIHandler(APIHandler):
    """Base of every model-catalog handler: parse, call the service, serialize."""

    @property
    def catalog(self):
        # Changes are recorded in the history as the authenticated caller's, never as a name
        # the client sends (not even X-Model-Catalog-Author, which only says whose a save is).
        catalog = self.settings["model_catalog"].service.acting_as(
            created_by(self.identity_provider, self.current_user))
        # The catalog service's access policy, when it has one, wraps the catalog per caller.
        access = self.settings.get("model_catalog_access")
        return access(catalog, self.current_user) if access is not None else catalog

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
        self.finish(json.dumps(data, default=str, allow_nan=False))  # strict JSON: browsers read no NaN

    def json_body(self, allowed: set[str] | None = None, required: set[str] = frozenset()) -> dict:
        """The request's JSON object; unknown or missing fields are a 400 naming them."""
        size = len(self.request.body or b"")
        if size > MAX_JSON_BODY:
            raise PayloadTooLarge(f"The request body is {size:,} bytes; a JSON request is at most "
                                  f"{MAX_JSON_BODY:,}. Keep large data in the artifact's files.",
                                  limit=MAX_JSON_BODY)
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
        """``created_by`` of what this request saves (see identity.py): the authenticated user,
        or the author a trusted client names (X-Model-Catalog-Author), never another's word."""
        author = requested_author(self.request.headers.get(AUTHOR_HEADER))
        if author is not None and may_record_authors(self.identity_provider, self.current_user):
            return author
        return created_by(self.identity_provider, self.current_user)

    def send_error_json(self, status: int, code: str, message: str, **details) -> None:
        allow = self._headers.get("Allow")
        self.clear()
        if allow:
            self.set_header("Allow", allow)
        # The rest of the body is not read (too large, or an error in prepare() of a streaming
        # handler, e.g. a refused token): tornado ends the connection after this, so say so, or
        # a proxy that keeps connections open (the hub's) sends its next request into a closed one.
        if status == 413 or not getattr(self.request.connection, "_read_finished", True):
            self.set_header("Connection", "close")
        if status == 401:
            self.set_header("WWW-Authenticate", 'token realm="jupyter_server"')
        if status == 416 and isinstance(details.get("size"), int):
            self.set_header("Content-Range", f"bytes */{details['size']}")
        if status == 503 and details.get("retry_after"):
            self.set_header("Retry-After", str(int(details["retry_after"])))
        self.write_json(error_body(code, message, details), status)

    # --- authentication: 401 for a request without (known) credentials ---------------
    def check_xsrf_cookie(self):
        # Jupyter checks XSRF before it refuses a stranger, which would answer a request
        # without any credentials with 403 "'_xsrf' argument missing".
        if hasattr(self, "_jupyter_current_user") and self.current_user is None:
            raise NotAuthenticated()
        return super().check_xsrf_cookie()

    def get_login_url(self) -> str:
        # What tornado's @authenticated asks for when there is no user (Jupyter: a 403).
        if not self.current_user:
            raise NotAuthenticated()
        return super().get_login_url()

    # --- errors ---------------------------------------------------------------------------
    _error_id: str | None = None

    def log_exception(self, typ, value, tb) -> None:
        if isinstance(value, web.HTTPError) and value.status_code < 500:
            # Tornado's own line shows the whole URI, query included: a wrong ?token= would be
            # logged in clear. The path says enough.
            if value.log_message:
                message = value.log_message % value.args if value.args else value.log_message
                self.log.warning("%d %s %s (%s): %s", value.status_code, self.request.method, self.request.path,
                                 self.request.remote_ip, message)
            return None
        self._error_id = new_error_id()
        self.log.error("model-catalog: error %s: %s %s failed", self._error_id, self.request.method,
                       self.request.path, exc_info=(typ, value, tb))

    def write_error(self, status_code: int, **kwargs) -> None:
        """Every error this API answers has the same shape: {"error", "message"}.
        (Typed core errors never get here: _handle_request_exception answers them.)
        A failure of the server itself says nothing of its insides, only an error id that
        its log has the traceback under."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if status_code == 405:  # RFC 9110: say which methods there are
            self.set_header("Allow", ", ".join(m for m in ("GET", "POST", "PUT", "PATCH", "DELETE")
                                               if type(self).__dict__.get(m.lower()) or any(
                                                   m.lower() in base.__dict__ for base in type(self).__mro__[1:]
                                                   if base.__module__.startswith("model_catalog_ext"))))
        if status_code < 500:
            message = getattr(exc, "log_message", None) or self._reason
            self.send_error_json(status_code, "http_error", message)
            return
        error_id = self._error_id or new_error_id()
        self.send_error_json(status_code, "internal_error", internal_error_message(error_id), error_id=error_id)

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, CatalogError):
            if self._finished:
                return
            status, message, details = public_error(e, self.log, f"{self.request.method} {self.request.path}")
            if self._headers_written:
                # A stream already started: cut it so the client sees a failed transfer,
                # never wrong bytes presented as complete.
                self.request.connection.close()
                return
            self.send_error_json(status, e.code, message, **details)
            return
        super()._handle_request_exception(e)

