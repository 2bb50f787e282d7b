"""The one shape of every error this API answers, on a request or in a job:
``{"error": code, "message": text, "details": {...}}`` (``details`` only when there are some)."""
from __future__ import annotations

import json


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    body = {"error": code, "message": message}
    if details:
        body["details"] = _jsonable(details)
    return body


def _jsonable(details: dict) -> dict:
    try:
        json.dumps(details, default=str)
        return details
    except (TypeError, ValueError):
        return {k: str(v) for k, v in details.items()}
