"""An error answer of the catalog service back into the typed error a local catalog raises.

The service answers ``{"error": code, "message": ..., "details": {...}}`` with the status of
``errors.STATUS_BY_CODE``; the code names the class again, so ``Conflict`` keeps its
``current_etag`` and a door answers, prints or exits exactly as on a local catalog.
"""
from __future__ import annotations

import json

from ... import errors
from ...errors import CatalogError, CatalogUnavailable

# code -> class, from the one table of errors.py (ModelNotFound before RouteNotFound: a
# client asks for models, and the API's own routes are this client's business).
_CLASS_BY_CODE: dict[str, type[CatalogError]] = {}
for _name in errors.__all__:
    _cls = getattr(errors, _name)
    if isinstance(_cls, type) and issubclass(_cls, CatalogError) and _cls is not errors.RemoteError:
        _CLASS_BY_CODE.setdefault(_cls.code, _cls)


def error_from_answer(status: int, body: bytes, service: str, sent_token: str | bool | None) -> CatalogError:
    """The typed error for an error answer (``status`` >= 400) of the service at ``service``
    (``sent_token``: the variable the token sent came from, if one was)."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("error"), str):
        return CatalogUnavailable(
            f"The catalog service at {service} answered HTTP {status} without an error of the catalog's API: "
            "is the URL the service's (its address, without /model-catalog/api), and is a proxy in the way?",
            status=status)
    code, message = data["error"], str(data.get("message") or f"HTTP {status}")
    given = data.get("details")
    details: dict = given if isinstance(given, dict) else {}
    if status in (401, 403) and code == "http_error":
        return not_let_in(status, service, sent_token, message)
    cls = _CLASS_BY_CODE.get(code)
    if cls is None:  # a code of a newer service, or a failure of the service itself
        cls = CatalogUnavailable if status >= 500 else CatalogError
        details = {**details, "remote_error": code, "status": status}
    return cls(message, **details)


def not_let_in(status: int, service: str, sent_token: str | bool | None, reason: str = "") -> CatalogUnavailable:
    """The service refused this client's credentials: for the door, its catalog cannot be used."""
    source = sent_token if isinstance(sent_token, str) else "MODEL_CATALOG_TOKEN"
    if not sent_token:
        hint = "no token was sent: set MODEL_CATALOG_TOKEN to a token of the service"
    elif status == 401 and source == "JUPYTERHUB_API_TOKEN":
        hint = ("the hub does not accept this server's token ($JUPYTERHUB_API_TOKEN) any more (expired or "
                "revoked): restart your server from the hub's home page, or set MODEL_CATALOG_TOKEN to a token "
                "from the hub's token page")
    elif status == 401:
        hint = f"the service does not know the token in {source}: ask for a new one"
    else:
        hint = reason or "the service does not let this identity do that"
    return CatalogUnavailable(f"The catalog service at {service} refused the request ({status}): {hint}.",
                              status=status)
