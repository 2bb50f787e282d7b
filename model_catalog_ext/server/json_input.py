"""Parse JSON a client sent: any malformed text, however it is malformed, is a 400.

Strict JSON only: ``NaN`` and ``Infinity`` (which Python's parser accepts) and numbers too
large for a float (``1e999``, which it reads as infinity) are refused, since no JSON reader
could read them back; so are lone UTF-16 surrogates (``"\\ud800"``), which are not Unicode
and which no database can store.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

from ..errors import InvalidInput

# Metadata needs a few levels; thousands only serve to exhaust the parser's recursion
# (and would again when the answer is written back).
MAX_DEPTH = 100
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


class _NotStrictJSON(ValueError):
    pass


def _refuse_constant(name: str):
    raise _NotStrictJSON(f"{name} is not a JSON number; send it as text (\"{name}\") or leave it out")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotStrictJSON(f"the number {text[:40]} is too large for a 64-bit float; send it as text")
    return value


def parse_json(text: str | bytes, what: str) -> Any:
    """``json.loads(text)``, strictly; ``what`` ("The request body") names the text in messages."""
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise InvalidInput(f"{what} is nested more than {MAX_DEPTH} levels deep; flatten it.") from None
    except _NotStrictJSON as exc:
        raise InvalidInput(f"{what} is not valid JSON: {exc}.") from None
    except ValueError as exc:
        raise InvalidInput(f"{what} is not valid JSON: {exc}.") from None
    problem = _check(data, MAX_DEPTH)
    if problem:
        raise InvalidInput(f"{what} {problem}.")
    return data


def _check(data: Any, limit: int) -> str | None:
    """Why ``data`` is refused (too deep, a lone surrogate in a text), or None."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if _SURROGATE_RE.search(value):
                return ("holds a lone UTF-16 surrogate (such as \\ud800), which is not a Unicode "
                        "character; send text as valid UTF-8")
        elif isinstance(value, (dict, list)):
            if depth > limit:
                return f"is nested more than {limit} levels deep; flatten it"
            if isinstance(value, dict):
                stack.extend((key, depth) for key in value)
                stack.extend((child, depth + 1) for child in value.values())
            else:
                stack.extend((child, depth + 1) for child in value)
    return None
