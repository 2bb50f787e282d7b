"""The hub out of reach: what a hub-managed catalog service answers while it cannot ask its hub.

Under a JupyterHub, every caller's token (a program's, or the one in a browser's cookie) is
checked by asking the hub's API.  When the hub is down or restarting, jupyterhub's ``HubAuth``
answers 500 (no connection) or 502 (the hub, or a proxy in front of it, failed), which reads
as a bug of the catalog.  It is an outage that passes: callers get 503 with ``Retry-After``
and a message saying so, and the first request after the hub is back gets in (nothing about
the outage is kept).
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from typing import TypeVar

from tornado import web
from tornado.log import app_log

from ..errors import CatalogUnavailable

# A hub restart takes seconds; a client retrying sooner only adds load.
RETRY_AFTER_SECONDS = 5

T = TypeVar("T")


def hub_unreachable(exc: BaseException) -> bool:
    """Whether ``HubAuth`` failed because the hub's API could not be reached or failed itself
    (rather than because a token is bad or the service's own token was refused)."""
    if not isinstance(exc, web.HTTPError):
        return False
    if exc.status_code == 502:  # HubAuth's answer to the hub's 5xx ("upstream problem")
        return True
    # HubAuth raises 500 from inside its handler of the connection's error (refused, reset,
    # timed out); its other 500s (a refused service token, a 4xx of the hub) have no such cause.
    cause = exc.__cause__ or exc.__context__
    return exc.status_code == 500 and isinstance(cause, (OSError, asyncio.TimeoutError, _client_error()))


def _client_error() -> type[BaseException]:
    try:
        from aiohttp import ClientError  # the HTTP client of jupyterhub >= 5
    except ImportError:  # pragma: no cover
        return OSError
    return ClientError


def hub_unreachable_error() -> CatalogUnavailable:
    """The error callers get while the hub cannot be asked (503 with Retry-After)."""
    return CatalogUnavailable(
        "The JupyterHub that says who is calling this catalog service cannot be reached (it may be restarting), "
        f"so the request was not let in and nothing was done. Try again in {RETRY_AFTER_SECONDS} seconds; "
        "if it lasts, tell the hub's administrator.", retry_after=RETRY_AFTER_SECONDS)


async def asking_hub(call: Awaitable[T]) -> T:
    """``await call`` (a request of ``HubAuth`` to the hub), the hub out of reach raised as
    :func:`hub_unreachable_error` (the handlers answer it, and log it, like any catalog error)."""
    try:
        return await call
    except web.HTTPError as exc:
        if hub_unreachable(exc):
            raise hub_unreachable_error() from None
        raise


def answer_hub_unreachable(handler: web.RequestHandler) -> None:
    """Answer a request of the service's own OAuth pages (not the API's handlers, which answer
    catalog errors themselves) as the API answers the hub out of reach, and log it."""
    error = hub_unreachable_error()
    app_log.warning("model-catalog service: %s %s -> 503: %s", handler.request.method, handler.request.path,
                    error.message)
    handler.clear()
    handler.set_status(error.http_status)
    handler.set_header("Retry-After", str(RETRY_AFTER_SECONDS))
    handler.set_header("Content-Type", "application/json")
    # The shape of every error of the API (server/error_body.py).
    handler.finish(json.dumps({"error": error.code, "message": error.message, "details": dict(error.details)}))
