"""The one shape of every error this API answers, on a request or in a job:
``{"error": code, "message": text, "details": {...}}`` (``details`` only when there are some).

A server-side failure (5xx) says what a user can act on and no more: an unexpected error
is answered with an error id only (its traceback goes to the server log under that id),
and the message of a known one (a damaged blob, a full disk) loses the absolute paths and
URLs in it, which describe the server's insides, not the user's request.
"""
from __future__ import annotations

import json
import re
import uuid

# scheme://... (the catalog URL, an s3:// artifact root) and absolute paths of 2+ parts.
_URL_RE = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s'\"()]*")
_PATH_RE = re.compile(r"(?<![\w.\-/:])/[^\s'\"/()]+(?:/[^\s'\"/()]*)+")
_TRAILING = ".,;:"  # the sentence's, not the path's


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    body = {"error": code, "message": message}
    if details:
        body["details"] = _jsonable(details)
    return body


def new_error_id() -> str:
    """A short id that ties an answer to its entry in the server log."""
    return uuid.uuid4().hex[:12]


def internal_error_message(error_id: str) -> str:
    return (f"The server failed while answering this request (error id {error_id}). Nothing about the "
            "failure is shown here; the server's log has the details under that id. Try again, and if "
            "it persists, give the id to the server's administrator.")


def redact_internals(text: str) -> str:
    """``text`` with URLs and absolute paths replaced by what they are."""
    def replace(name: str):
        def by(match: re.Match) -> str:
            found = match.group()
            kept = found.rstrip(_TRAILING)
            return name + found[len(kept):]
        return by

    text = _URL_RE.sub(replace("<catalog location>"), text)
    return _PATH_RE.sub(replace("<server path>"), text)


def _jsonable(details: dict) -> dict:
    try:
        json.dumps(details, default=str, allow_nan=False)
        return details
    except (TypeError, ValueError):
        return {k: str(v) for k, v in details.items()}


def public_error(exc, log, where: str) -> tuple[int, str, dict]:
    """``(status, message, details)`` of a typed error for a client.  A server-side error
    (5xx: a damaged blob, a full disk) is logged whole under an error id and answered without
    the server's paths and URLs; a client's mistake is answered as it is."""
    from ..errors import http_status

    status, message, details = http_status(exc), exc.message, dict(exc.details)
    if status >= 500:
        error_id = new_error_id()
        if log is not None:
            log.error("model-catalog: error %s: %s -> %s: %s %s", error_id, where, status, exc, details)
        message = redact_internals(message)
        details = {k: redact_internals(v) if isinstance(v, str) else v for k, v in details.items()}
        details["error_id"] = error_id
    elif log is not None:
        log.info("model-catalog: %s -> %s: %s", where, status, exc)
    return status, message, details
