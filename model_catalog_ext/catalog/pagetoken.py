"""Opaque keyset page tokens.

A token holds the sort key of the last row served, so the next page is a range scan on
an index (``WHERE (key, seq) < (:k, :s)``) instead of an OFFSET that re-reads every
earlier row.  It is bound to the query's filters: reusing it with other filters is an error
rather than a silently wrong page.

A token comes back from a client, so it is read as untrusted input: every field must have
the shape :func:`encode` gives it (a sort key the database can compare: int64 numbers,
text of at most 255 characters without NUL or lone surrogates), else it is a 400.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re

from ..errors import InvalidInput
from .validation import MAX_NAME, check_text

_VERSION = 1


def _bind(fingerprint: list) -> str:
    raw = json.dumps(fingerprint, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def encode(fingerprint: list, key: list) -> str:
    """Token for "rows after ``key``" under the query with this fingerprint."""
    raw = json.dumps({"v": _VERSION, "f": _bind(fingerprint), "k": key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


_INT64 = range(-2**63, 2**63)
# Longer than any token encode() makes (a 255-character name, escaped): refused unread.
MAX_TOKEN = 8192
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")
_BINDING_RE = re.compile(r"^[0-9a-f]{16}$")


def _fits(value, kind: type) -> bool:
    if kind is int:  # a sequence or version number: what the database can compare it with
        return isinstance(value, int) and not isinstance(value, bool) and value in _INT64
    if kind is str:  # a name's sort key: stored text, at most 255 characters
        if not isinstance(value, str) or len(value) > MAX_NAME:
            return False
        try:
            check_text("page token", value)
        except InvalidInput:
            return False
        return True
    return isinstance(value, kind)


def _read(token) -> dict:
    if not isinstance(token, str) or len(token) > MAX_TOKEN or not _TOKEN_RE.match(token):
        raise ValueError("not a token")
    padded = token + "=" * (-len(token) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.encode("ascii"))
    except binascii.Error:
        raise ValueError("not base64") from None
    data = json.loads(raw, parse_constant=lambda name: None)
    if not isinstance(data, dict) or not {"v", "k"} <= set(data) <= {"v", "f", "k"}:
        raise ValueError("not a token's fields")
    if "f" in data and (not isinstance(data["f"], str) or not _BINDING_RE.match(data["f"])):
        raise ValueError("not a binding")  # (none at all: a search it cannot belong to)
    return data


def decode(token: str, fingerprint: list, kinds: list[type]) -> list:
    """The key inside ``token`` (one value of each type in ``kinds``, the sort columns');
    InvalidInput when it is malformed, tampered with or from another query."""
    try:
        data = _read(token)
        key = data["k"]
        ok = (data["v"] == _VERSION and isinstance(key, list) and len(key) == len(kinds)
              and all(_fits(v, k) for v, k in zip(key, kinds)))
    except (ValueError, RecursionError):  # bad base64, JSON (UnicodeDecodeError is one) or fields
        ok = False
    if not ok:
        raise InvalidInput("The page token is not valid; start again from the first page, without it.")
    if data.get("f") != _bind(fingerprint):
        raise InvalidInput(
            "The page token belongs to a different search (filters or sort changed); "
            "start again from the first page."
        )
    return key
