"""Opaque keyset page tokens.

A token holds the sort key of the last row served, so the next page is a range scan on
an index (``WHERE (key, seq) < (:k, :s)``) instead of an OFFSET that re-reads every
earlier row.  It is bound to the query's filters: reusing it with other filters is an error
rather than a silently wrong page.
"""
from __future__ import annotations

import base64
import hashlib
import json

from ..errors import InvalidInput

_VERSION = 1


def _bind(fingerprint: list) -> str:
    raw = json.dumps(fingerprint, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def encode(fingerprint: list, key: list) -> str:
    """Token for "rows after ``key``" under the query with this fingerprint."""
    raw = json.dumps({"v": _VERSION, "f": _bind(fingerprint), "k": key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


_INT64 = range(-2**63, 2**63)


def _fits(value, kind: type) -> bool:
    if kind is int:  # a sequence or version number: what the database can compare it with
        return isinstance(value, int) and not isinstance(value, bool) and value in _INT64
    return isinstance(value, kind)


def decode(token: str, fingerprint: list, kinds: list[type]) -> list:
    """The key inside ``token`` (one value of each type in ``kinds``, the sort columns');
    InvalidInput when it is malformed, tampered with or from another query."""
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        key = data["k"]
        ok = (data.get("v") == _VERSION and isinstance(key, list) and len(key) == len(kinds)
              and all(_fits(v, k) for v, k in zip(key, kinds)))
    except Exception:
        ok = False
    if not ok:
        raise InvalidInput("The page token is not valid; start again from the first page, without it.")
    if data.get("f") != _bind(fingerprint):
        raise InvalidInput(
            "The page token belongs to a different search (filters or sort changed); "
            "start again from the first page."
        )
    return key
