"""One HTTP request to the catalog service: the URL, the token and what can go wrong on the way.

Standard library only (``http.client``): the core adds no HTTP client to the dependencies.
GETs answered with JSON reuse one kept connection per thread; every other request, and every
streamed answer, has its own, so a backend is safe to share between threads and a response
may be streamed while another request runs.  The token goes in the
``Authorization`` header only; no message built here contains it.
"""
from __future__ import annotations

import http.client
import json
import ssl
import threading
from collections.abc import Iterable, Iterator
from urllib.parse import quote, urlencode, urlsplit

from ...errors import CatalogUnavailable, InvalidInput
from .hub_token import CATALOG_TOKEN_ENV
from .remote_errors import error_from_answer

API_PATH = "/model-catalog/api"
CHUNK = 1024 * 1024


def checked_token(token: str | None, source: str = CATALOG_TOKEN_ENV) -> str | None:
    """``token`` as it can go in a header; a token it cannot be is refused without being shown
    (http.client's own error would quote the whole header).  ``source``: the variable it came from."""
    if not token:
        return None
    if not token.isascii() or not token.isprintable() or any(c.isspace() for c in token):
        raise InvalidInput(f"The catalog token (${source}) holds spaces, control or non-ASCII "
                           "characters, which no token has: set it to the token alone, as the service gave it.")
    return token


class Transport:
    """Requests to the API of the service at ``url`` (``http(s)://host[:port][/base]``)."""

    def __init__(self, url: str, token: str | None, timeout: float = 300.0, token_source: str = CATALOG_TOKEN_ENV):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInput(f"A catalog service URL looks like https://catalog.example.com or "
                               f"http://127.0.0.1:8585, not '{parts.scheme}://{parts.netloc}{parts.path}'.")
        if parts.username or parts.password:
            raise InvalidInput("Put no user name or token in the catalog URL (URLs are shown and logged): set "
                               "MODEL_CATALOG_TOKEN instead.")
        if parts.query or parts.fragment:
            raise InvalidInput(f"The catalog service URL takes no query or fragment: "
                               f"{parts.scheme}://{parts.netloc}{parts.path}.")
        self.scheme, self.host, self.port = parts.scheme, parts.hostname, parts.port
        base = parts.path.rstrip("/")
        self.shown = f"{parts.scheme}://{parts.netloc}{base}"
        self.prefix = base if base.endswith(API_PATH) else base + API_PATH
        self.token = checked_token(token, token_source)
        self.token_source = token_source  # named in messages (the token itself never is)
        self.timeout = timeout
        self._local = threading.local()  # each thread's kept connection, for GETs

    # --- one request ------------------------------------------------------------------------
    def _connection(self) -> http.client.HTTPConnection:
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                               context=ssl.create_default_context())
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def path(self, *parts: str, params: Iterable[tuple[str, str]] | None = None) -> str:
        """The request target for API path ``parts`` (each quoted; '/' kept in the last one,
        an artifact file's path)."""
        quoted = [quote(p, safe="") for p in parts[:-1]] + ([quote(parts[-1], safe="/")] if parts else [])
        target = "/".join([self.prefix, *quoted])
        query = urlencode(list(params or []))
        return f"{target}?{query}" if query else target

    def open(self, method: str, target: str, body=None, headers: dict | None = None, *,
             keep: bool = False) -> http.client.HTTPResponse:
        """Send a request and return its successful response, open (the caller reads and
        closes it); an error answer raises its typed error.  ``keep``: on this thread's kept
        connection (the caller reads the whole answer), sent again on a new one if the service
        had closed it meanwhile -- for requests that may safely be sent twice (GET)."""
        sent = {"Accept": "application/json", **(headers or {})}
        if self.token:
            sent["Authorization"] = f"token {self.token}"
        response = None
        if keep and getattr(self._local, "conn", None) is not None:
            try:
                response = self._send(self._local.conn, method, target, body, sent)
            except (OSError, http.client.HTTPException):
                self._forget_kept()  # closed by the service while idle: a new connection below
        if response is None:
            conn = self._connection()
            if keep:
                self._local.conn = conn
            try:
                response = self._send(conn, method, target, body, sent)
            except (OSError, http.client.HTTPException) as exc:
                self._close(conn)
                raise self.unreachable(exc) from None
            except BaseException:
                self._close(conn)
                raise
        if response.status >= 400:
            try:
                answer = response.read(1024 * 1024)
            except (OSError, http.client.HTTPException):
                answer = b""
            finally:
                response.close()
                if keep:
                    self._forget_kept()
            raise error_from_answer(response.status, answer, self.shown, self.token_source if self.token else None)
        return response

    @staticmethod
    def _send(conn, method: str, target: str, body, headers: dict) -> http.client.HTTPResponse:
        try:
            conn.request(method, target, body=body, headers=headers,
                         encode_chunked=body is not None and not isinstance(body, (bytes, str)))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the service answered before reading the whole body (a refusal): read it below
        return conn.getresponse()

    def _close(self, conn) -> None:
        conn.close()
        if getattr(self._local, "conn", None) is conn:
            self._local.conn = None

    def _forget_kept(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._close(conn)

    def call(self, method: str, *parts: str, params=None, json_body=None, headers: dict | None = None):
        """A request whose answer is JSON (or nothing, for 204)."""
        body, sent = None, dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body, allow_nan=False).encode()
            sent["Content-Type"] = "application/json"
        elif method in ("POST", "PATCH", "PUT"):
            body = b""
        keep = method == "GET"
        response = self.open(method, self.path(*parts, params=params), body, sent, keep=keep)
        try:
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self._forget_kept()
            raise self.unreachable(exc) from None
        finally:
            if not keep:
                response.close()
        if response.status == 204 or not data:
            return None
        try:
            return json.loads(data)
        except ValueError:
            raise CatalogUnavailable(f"The catalog service at {self.shown} answered {method} "
                                     f"{'/'.join(parts)} with something that is not JSON.") from None

    def stream(self, *parts: str, offset: int = 0, etag: str | None = None) -> Iterator[bytes]:
        """The body of a GET, chunk by chunk (the request is sent at the first ``next``);
        from byte ``offset`` on (a Range request, guarded by If-Range ``etag``: a service that
        sends the whole instead has its first ``offset`` bytes dropped here)."""
        headers = {"Range": f"bytes={offset}-", **({"If-Range": f'"{etag}"'} if etag else {})} if offset else {}
        response = self.open("GET", self.path(*parts), headers=headers)
        skip = offset if offset and response.status == 200 else 0
        try:
            while True:
                try:
                    chunk = response.read(CHUNK)
                    if not chunk and response.length:  # http.client ends a body cut short quietly
                        raise http.client.IncompleteRead(b"", response.length)
                except (OSError, http.client.HTTPException) as exc:
                    raise CatalogUnavailable(
                        f"The transfer from the catalog service at {self.shown} was cut short ({_reason(exc)}); "
                        "nothing of it was kept. The service stops a transfer when it finds stored bytes "
                        "damaged or the model deleted: try again, and ask its administrator if it persists.",
                        path="/".join(parts)) from None
                if not chunk:
                    return
                if skip:
                    dropped = min(skip, len(chunk))
                    chunk, skip = chunk[dropped:], skip - dropped
                    if not chunk:
                        continue
                yield chunk
        finally:
            response.close()

    def unreachable(self, exc: BaseException) -> CatalogUnavailable:
        return CatalogUnavailable(
            f"The catalog service at {self.shown} cannot be reached ({_reason(exc)}). Check that it runs "
            "(jupyter model-catalog serve) and that the URL is right.", reason=_reason(exc))


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:200]
