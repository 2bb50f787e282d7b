"""A model's history: who changed what, and when, one record per change.

Every backend that keeps a history (``Capabilities.history``) records, in the same
transaction as the change itself, one record per save, metadata edit, state change and
delete.  A record is a plain dict, the same on every backend and over HTTP:

- ``model_id``, ``version_set_id``, ``version``: which entry (a delete keeps its records,
  so the history of a deleted model stays readable by its id);
- ``sequence``: grows with every record the catalog keeps, so it orders the records of
  several versions too;
- ``at``: when, ISO-8601 UTC;
- ``actor``: who (the authenticated user of a team service, else the OS/Jupyter user);
- ``action``: one of :data:`ACTIONS`;
- ``changes``: ``{field: [old, new]}``.  A save lists the values the entry started with as
  ``[None, value]`` (``version``, ``display_name``, ``lifecycle_state``, tags...), so that
  replaying a version set's records gives each version's state at any moment.

This module builds the ``changes`` so that every backend words them the same.
"""
from __future__ import annotations

from typing import Any

from .entry import ModelEntry

ACTIONS = ("saved", "edited", "activated", "deactivated", "deleted")

# What a "saved" record says the entry started with (besides the version and its state).
_SAVE_SUMMARY = ("display_name", "compartment_id", "project_id", "freeform_tags", "created_by", "parent_id")


def saved_changes(entry: ModelEntry) -> dict[str, list]:
    """The ``changes`` of a save: the version, its state and the values it was saved with."""
    changes: dict[str, list] = {"version": [None, entry.version], "lifecycle_state": [None, entry.lifecycle_state]}
    for name in _SAVE_SUMMARY:
        value = getattr(entry, name)
        if value not in (None, "", {}):
            changes[name] = [None, value]
    return changes


def edited_changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list]:
    """``{field: [old, new]}`` for each field of ``new`` whose value differs from ``old``'s."""
    return {name: [old.get(name), value] for name, value in new.items() if old.get(name) != value}


def state_action(state: str) -> str:
    """The action that brings an entry to ``state``."""
    return "activated" if state == "ACTIVE" else "deactivated"


def state_changes(old_state: str, new_state: str) -> dict[str, list]:
    return {"lifecycle_state": [old_state, new_state]}


def record(model_id: str, version_set_id: str, version: int, sequence: int, at: str, actor: str, action: str,
           changes: dict[str, list]) -> dict[str, Any]:
    """One history record, as :meth:`CatalogBackend.history` returns it."""
    return {"model_id": model_id, "version_set_id": version_set_id, "version": version, "sequence": sequence,
            "at": at, "actor": actor, "action": action, "changes": changes}


def describe(change: dict[str, Any], width: int = 60) -> str:
    """What a record changed, in one line for tables (the CLI, ``%catalog history``):
    ``description: "" → "tuned"; freeform_tags: stage:dev → stage:production``."""
    changes = change.get("changes") or {}
    if change.get("action") == "saved":
        return ", ".join(f"{name}={_shown(new, width)}" for name, (_, new) in changes.items()
                         if name not in ("version", "lifecycle_state"))
    return "; ".join(f"{name}: {_shown(old, width)} → {_shown(new, width)}" for name, (old, new) in changes.items())


def _shown(value: Any, width: int) -> str:
    import json

    if value is None:
        text = "(none)"
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        text = " ".join(f"{k}:{v}" for k, v in sorted(value.items())) or "{}"  # tags read as on the command line
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"
