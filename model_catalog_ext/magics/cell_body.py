"""The ``%%catalog`` cell body: optional YAML front matter, then the description.

Front matter between ``---`` lines is what Quarto, Jekyll and R Markdown users already
write; everything else is plain text, so a body that merely contains ``Note: ...`` stays a
description instead of being read as metadata by accident.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from .parser import UsageError

_FENCE = "---"
_FENCE_ENDS = ("---", "...")


@dataclass
class CellMetadata:
    """What a cell body says: keys from the front matter, and the description text."""

    values: dict = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)  # "key:value" strings, validated later
    description: str | None = None


def parse_cell_body(body: str | None, allowed_keys: tuple[str, ...]) -> CellMetadata:
    """Split a cell body into front-matter metadata and the description."""
    meta = CellMetadata()
    if body is None or not body.strip():
        return meta
    lines = body.strip("\n").splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines or lines[0].strip() != _FENCE:
        meta.description = body.strip()
        return meta
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() in _FENCE_ENDS)
    except StopIteration:
        raise UsageError("the cell's front matter starts with '---' but has no closing '---' line") from None
    front = _load_yaml("\n".join(lines[1:end]))
    rest = "\n".join(lines[end + 1:]).strip()
    unknown = sorted(set(front) - set(allowed_keys))
    if unknown:
        raise UsageError(
            f"unknown front-matter key {', '.join(map(repr, unknown))}; "
            f"use {', '.join(allowed_keys)}"
        )
    if "description" in front and rest:
        raise UsageError("the description is given twice: in the front matter and below it; keep one")
    for key, value in front.items():
        if key == "tags":
            meta.tags = _tags(value)
        elif value is not None:
            meta.values[key] = str(value) if not isinstance(value, str) else value
    if rest:
        meta.description = rest
    elif "description" in meta.values:
        meta.description = meta.values.pop("description")
    return meta


def _load_yaml(text: str) -> dict:
    import yaml  # only cell magics with front matter pay for it

    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 2} of the cell)" if where is not None else ""
        problem = getattr(exc, "problem", None) or "cannot be read"
        raise UsageError(f"the cell's front matter is not valid YAML{line}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError("the cell's front matter must be 'key: value' lines, e.g. 'tags: {team: ml}'")
    return {str(k): v for k, v in data.items()}


def _tags(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, dict):
        return [f"{k}:{_tag_value(k, v)}" for k, v in value.items()]
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return [str(v) for v in value]
    raise UsageError("front-matter 'tags' must be a mapping ({team: ml}) or a list of key:value strings")


def _tag_value(key, value) -> str:
    """A tag's value as text: YAML reads `version: 2` as a number, `ok: yes` as a boolean."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float, datetime.date)):
        return str(value)
    if value is None:
        raise UsageError(f"front-matter tag '{key}' has no value; write '{key}: some-value'")
    raise UsageError(f"front-matter tag '{key}' must have a plain value, not a {type(value).__name__} "
                     f"({value!r}); write '{key}: some-value'")
