"""Parse JSON a client sent: any malformed text, however it is malformed, is a 400."""
from __future__ import annotations

import json
from typing import Any

from ..errors import InvalidInput

# Metadata needs a few levels; thousands only serve to exhaust the parser's recursion
# (and would again when the answer is written back).
MAX_DEPTH = 100


def parse_json(text: str | bytes, what: str) -> Any:
    """``json.loads(text)``; ``what`` ("The request body") names the text in messages."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise InvalidInput(f"{what} is nested more than {MAX_DEPTH} levels deep; flatten it.") from None
    except ValueError as exc:
        raise InvalidInput(f"{what} is not valid JSON: {exc}.") from None
    if _depth_exceeds(data, MAX_DEPTH):
        raise InvalidInput(f"{what} is nested more than {MAX_DEPTH} levels deep; flatten it.")
    return data


def _depth_exceeds(data: Any, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
