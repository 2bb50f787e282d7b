"""Checks on user-supplied metadata, with messages a user can act on.

Every check raises :class:`~model_catalog_ext.errors.InvalidInput` and runs before anything
is written, so a refused save or update leaves the catalog untouched.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

from ..errors import InvalidInput
from .entry import PROVENANCE_KEYS

MAX_NAME = 255
MAX_DESCRIPTION = 65_536
MAX_TAG_KEY = 100
MAX_TAG_VALUE = 256
MAX_TAGS = 100
# A tag key is one "word": `key:value` and `tag:key=value` must stay unambiguous.
TAG_KEY_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# What no backend stores: NUL (PostgreSQL text refuses it) and lone UTF-16 surrogates (not
# Unicode at all: neither SQLite nor PostgreSQL can encode them).
_UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")
_MAX_INT_BITS = 996  # 10**300: past that a number is data, not metadata (and Python won't print it)
# OCI's limit on a model's custom metadata, in characters of its JSON.
MAX_CUSTOM_METADATA = 32_000
# The most metadata one save over HTTP may carry (its 'metadata' part); every door keeps to it.
MAX_METADATA = 1024 * 1024
CUSTOM_METADATA_CATEGORIES = ("Performance", "Training Profile", "Training and Validation Datasets",
                              "Training Environment", "Other")


def _unstorable(text: str) -> str | None:
    """What is wrong with ``text`` for every backend, or None."""
    found = _UNSTORABLE_RE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "a NUL character (\\x00), which no catalog database can store"
    return (f"a lone UTF-16 surrogate ({found.group().encode('unicode_escape').decode()}), "
            "which is not a Unicode character")


def check_text(what: str, text: str, **details) -> str:
    """``text`` if every backend can store it (no NUL, no lone surrogate), else InvalidInput
    (``what`` names it in the message, e.g. "The description")."""
    problem = _unstorable(text)
    if problem:
        raise InvalidInput(f"{what} contains {problem}; remove it.", **details)
    return text


def check_json_value(what: str, value: Any) -> Any:
    """``value`` if it is storable, strict JSON: no NaN or Infinity (JSON has no such numbers, and
    a browser could no longer read any listing holding one), no NUL, no lone surrogate in any
    key or text.  ``what`` names the value in messages (e.g. "custom_metadata")."""
    stack = [(what, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise InvalidInput(
                f"{where} is {item!r}: JSON has no NaN or Infinity. Store it as text (e.g. \"{item!r}\") "
                "or leave it out.", field=where)
        if isinstance(item, int) and item.bit_length() > _MAX_INT_BITS:
            raise InvalidInput(f"{where} is a number of more than 300 digits; store it as text.", field=where)
        if isinstance(item, str):
            check_text(where, item, field=where)
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str):
                    check_text(f"A key of {where}", key, field=where)
                stack.append((f"{where}.{key}", child))
        elif isinstance(item, (list, tuple)):
            stack.extend((f"{where}[{i}]", child) for i, child in enumerate(item))
    return value


def _json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), default=str))


def finite_json(value: Any) -> Any:
    """A copy of ``value`` with NaN and infinities written as text ("nan", "inf"): for what a
    program wrote (an input schema's statistics), where refusing would only block a save."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_json(v) for v in value]
    return value


def check_display_name(name: Any) -> str:
    """A non-blank display name of at most 255 characters, stripped."""
    if name is not None and not isinstance(name, str):
        raise InvalidInput(f"The display name must be text, not {type(name).__name__}.")
    if not name or not name.strip():
        raise InvalidInput("The model needs a display name: give it a non-empty name, such as 'churn-classifier'.")
    name = name.strip()
    if len(name) > MAX_NAME:
        raise InvalidInput(f"The display name is {len(name)} characters long; keep it to {MAX_NAME}.")
    if _CONTROL_RE.search(name):
        raise InvalidInput("The display name contains control characters (newlines, tabs...); remove them.")
    return check_text("The display name", name)


def check_description(description: Any) -> str:
    """A string of at most 64 KiB (None means empty)."""
    if description is None:
        return ""
    if not isinstance(description, str):
        raise InvalidInput(f"The description must be text, not {type(description).__name__}.")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"The description is {len(description)} characters long; keep it to {MAX_DESCRIPTION}.")
    return check_text("The description", description)


def check_tag_key(key: Any) -> str:
    """A tag key: letters, digits, ``_ . - /``; not starting with punctuation other than ``_``."""
    if not isinstance(key, str) or not key:
        raise InvalidInput("A tag needs a key: write tags as key:value, for example version:3.")
    if len(key) > MAX_TAG_KEY:
        raise InvalidInput(f"The tag key '{key[:40]}...' is longer than {MAX_TAG_KEY} characters.")
    if not TAG_KEY_RE.match(key):
        raise InvalidInput(
            f"The tag key '{key}' has characters a key cannot hold; use letters, digits and _ . - / "
            "(for example model-run:1)."
        )
    return key


def check_tag_value(key: str, value: Any) -> str:
    """A tag value: text of at most 256 characters without control characters."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        check_json_value(f"The value of tag '{key}'", value)
        value = str(value)  # version=3 as a number is what people mean
    if not isinstance(value, str):
        raise InvalidInput(f"The value of tag '{key}' must be text, not {type(value).__name__}.")
    if len(value) > MAX_TAG_VALUE:
        raise InvalidInput(f"The value of tag '{key}' is longer than {MAX_TAG_VALUE} characters.")
    if _CONTROL_RE.search(value):
        raise InvalidInput(f"The value of tag '{key}' contains control characters; remove them.")
    return check_text(f"The value of tag '{key}'", value)


def check_freeform_tags(tags: Any) -> dict[str, str]:
    """A ``{key: value}`` dict of valid tags (None means no tags)."""
    if tags is None:
        return {}
    if not isinstance(tags, dict):
        raise InvalidInput(
            "freeform_tags must be a dict such as {'version': '3'}; "
            "on the command line write tags as key:value."
        )
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"A model can have at most {MAX_TAGS} tags; this one has {len(tags)}.")
    return {check_tag_key(k): check_tag_value(k, v) for k, v in tags.items()}


def check_defined_metadata(data: Any) -> dict:
    """The taxonomy dict (UseCaseType, Framework, ...); free-form values."""
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise InvalidInput("defined_metadata must be a dict with text keys, e.g. {'Framework': 'scikit-learn'}.")
    check_json_value("defined_metadata", data)
    _check_size("defined_metadata", data, MAX_METADATA)
    return dict(data)


def _check_size(what: str, value: Any, limit: int) -> None:
    size = _json_size(value)
    if size > limit:
        raise InvalidInput(f"{what} is {size:,} characters long as JSON; a model's {what} is kept to {limit:,}. "
                           "Keep large data in the artifact's files instead.", field=what, limit=limit)


def check_custom_metadata(items: Any) -> list[dict]:
    """A list of ``{key, value, category, description}``; ``key`` is required and unique."""
    if items is None:
        return []
    if isinstance(items, dict):
        # A plain mapping is the common shorthand: one item per key.
        items = [{"key": k, "value": v} for k, v in items.items()]
    if not isinstance(items, list):
        raise InvalidInput("custom_metadata must be a list of {key, value, category, description} dicts.")
    out, seen = [], set()
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not item["key"].strip():
            raise InvalidInput("Every custom_metadata item needs a non-empty 'key', e.g. {'key': 'auc', 'value': '0.91'}.")
        unknown = set(item) - {"key", "value", "category", "description"}
        if unknown:
            raise InvalidInput(
                f"custom_metadata item '{item['key']}' has unknown fields {sorted(unknown)}; "
                "allowed: key, value, category, description."
            )
        if item["key"] in seen:
            raise InvalidInput(f"custom_metadata has the key '{item['key']}' twice; keys must be unique.")
        seen.add(item["key"])
        out.append({
            "key": item["key"],
            "value": item.get("value"),
            "category": item.get("category") or "Other",
            "description": item.get("description") or "",
        })
    check_json_value("custom_metadata", out)
    _check_size("custom_metadata", out, MAX_CUSTOM_METADATA)
    return out


def check_provenance(data: Any) -> dict:
    """Provenance with exactly the keys of DESIGN.md section 2 (missing ones become None)."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidInput("provenance must be a dict with git_branch, git_commit, repository_url, ...")
    unknown = set(data) - set(PROVENANCE_KEYS)
    if unknown:
        raise InvalidInput(f"provenance has unknown keys {sorted(unknown)}; allowed: {', '.join(PROVENANCE_KEYS)}.")
    out = {key: data.get(key) for key in PROVENANCE_KEYS}
    if out["git_dirty"] is not None and not isinstance(out["git_dirty"], bool):
        raise InvalidInput(f"provenance.git_dirty must be true or false, not {out['git_dirty']!r}.")
    out["git_dirty"] = bool(out["git_dirty"])
    check_json_value("provenance", out)
    _check_size("provenance", out, MAX_METADATA)
    return out


def check_schema(name: str, data: Any) -> dict | None:
    """An input/output schema: a dict or None (NaN and infinities in it, such as a column's
    statistics, are kept as text)."""
    if data is None:
        return None
    if isinstance(data, dict):
        return finite_json(data)
    raise InvalidInput(f"{name} must be a dict (ADS schema 1.1) or None.")


def check_namespace(name: str, value: Any) -> str | None:
    """compartment_id / project_id: an id string or None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_NAME or _CONTROL_RE.search(value):
        raise InvalidInput(f"{name} must be an id string of at most {MAX_NAME} characters.")
    return check_text(name, value)


def check_model_id(model_id: Any) -> str:
    """A model id as a lookup key: non-empty text that a database can compare."""
    if not isinstance(model_id, str) or not model_id:
        raise InvalidInput("A model id is a non-empty string such as 'mdl-3f2a...'.")
    return check_text("The model id", model_id)
