"""``edit --metadata / --remove-metadata / --provenance``: KEY=VALUE options applied to a
model's current custom metadata and provenance (messages name the options, not Python)."""
from __future__ import annotations

from ..catalog.entry import PROVENANCE_KEYS
from ..errors import InvalidInput

_TRUE = ("true", "yes", "1")
_FALSE = ("false", "no", "0", "")


def _pair(option: str, text: str, example: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise InvalidInput(f"{option} takes KEY=VALUE, for example {option} {example}; got {text!r}.")
    return key.strip(), value


def edited_custom_metadata(current: list[dict], sets: list[str], removes: list[str]) -> list[dict]:
    """``current`` with the ``--remove-metadata`` keys taken out, then the ``--metadata``
    KEY=VALUE items set (an existing item keeps its category and description)."""
    items = {item["key"]: dict(item) for item in current}
    missing = [key for key in removes if key not in items]
    if missing:
        have = ", ".join(items) or "none"
        raise InvalidInput(f"--remove-metadata: the model has no custom metadata {', '.join(map(repr, missing))} "
                           f"(it has: {have}).")
    for key in removes:
        del items[key]
    for text in sets:
        key, value = _pair("--metadata", text, "auc=0.91")
        items.setdefault(key, {"key": key})["value"] = value
    return list(items.values())


def edited_provenance(current: dict, sets: list[str]) -> dict:
    """``current`` with the ``--provenance`` KEY=VALUE fields set; an empty VALUE clears one."""
    provenance = dict(current)
    for text in sets:
        key, value = _pair("--provenance", text, "git_branch=main")
        if key not in PROVENANCE_KEYS:
            raise InvalidInput(f"--provenance: a model's provenance has no field {key!r}; "
                               f"use one of {', '.join(PROVENANCE_KEYS)}.")
        if key == "git_dirty":
            if value.strip().lower() not in _TRUE + _FALSE:
                raise InvalidInput(f"--provenance git_dirty takes true or false, not {value!r}.")
            provenance[key] = value.strip().lower() in _TRUE
        else:
            provenance[key] = value or None
    return provenance
