"""Checks on user-supplied metadata, with messages a user can act on.

Every check raises :class:`~model_catalog_ext.errors.InvalidInput` and runs before anything
is written, so a refused save or update leaves the catalog untouched.
"""
from __future__ import annotations

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
CUSTOM_METADATA_CATEGORIES = ("Performance", "Training Profile", "Training and Validation Datasets",
                              "Training Environment", "Other")


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
    return name


def check_description(description: Any) -> str:
    """A string of at most 64 KiB (None means empty)."""
    if description is None:
        return ""
    if not isinstance(description, str):
        raise InvalidInput(f"The description must be text, not {type(description).__name__}.")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"The description is {len(description)} characters long; keep it to {MAX_DESCRIPTION}.")
    return description


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
        value = str(value)  # version=3 as a number is what people mean
    if not isinstance(value, str):
        raise InvalidInput(f"The value of tag '{key}' must be text, not {type(value).__name__}.")
    if len(value) > MAX_TAG_VALUE:
        raise InvalidInput(f"The value of tag '{key}' is longer than {MAX_TAG_VALUE} characters.")
    if _CONTROL_RE.search(value):
        raise InvalidInput(f"The value of tag '{key}' contains control characters; remove them.")
    return value


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
    return dict(data)


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
    return out


def check_schema(name: str, data: Any) -> dict | None:
    """An input/output schema: a dict or None."""
    if data is None or isinstance(data, dict):
        return data
    raise InvalidInput(f"{name} must be a dict (ADS schema 1.1) or None.")


def check_namespace(name: str, value: Any) -> str | None:
    """compartment_id / project_id: an id string or None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_NAME or _CONTROL_RE.search(value):
        raise InvalidInput(f"{name} must be an id string of at most {MAX_NAME} characters.")
    return value
