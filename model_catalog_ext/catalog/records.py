"""Conversions between ``models`` rows and :class:`ModelEntry`, and the manifest digest."""
from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from .entry import ModelEntry

_FRAMEWORK_ALIASES = {"sklearn": "scikit-learn", "xgb": "xgboost", "lgbm": "lightgbm", "torch": "pytorch"}


def now_us() -> int:
    """Current time in integer microseconds since the epoch (how times are stored)."""
    return time.time_ns() // 1000


def us_to_datetime(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1_000_000, tz=timezone.utc)


def datetime_to_us(value: datetime) -> int:
    return int(round(value.timestamp() * 1_000_000))


def new_model_id() -> str:
    """An opaque, unguessable, sortable-enough id for a local entry."""
    return f"mdl-{uuid.uuid4().hex[:24]}"


def new_version_set_id() -> str:
    return f"mvs-{uuid.uuid4().hex[:24]}"


def new_etag() -> str:
    return uuid.uuid4().hex


def name_key(display_name: str) -> str:
    """What listings sort names by: case-folded, so "alpha", "Beta", "gamma" come in that
    order (the ``name_key`` column; SQLite's lower() knows ASCII only, hence Python)."""
    return display_name.casefold()[:255]


def normalize_framework(value) -> str | None:
    """The ``framework`` column: lowercase, common aliases folded (sklearn -> scikit-learn)."""
    if not value:
        return None
    key = str(value).strip().lower()
    return _FRAMEWORK_ALIASES.get(key, key)[:64] or None


def manifest_digest(manifest: list[dict]) -> str:
    """sha256 of the canonical JSON of the manifest (sorted by path): the artifact digest."""
    canonical = json.dumps(
        [{"path": m["path"], "sha256": m["sha256"], "size": m["size"]} for m in sorted(manifest, key=lambda m: m["path"])],
        separators=(",", ":"), sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def dumps(value) -> str:
    """Strict JSON (validation keeps NaN and Infinity out; were one to slip through, this
    fails the write rather than store what no JSON reader can read back)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str, allow_nan=False)


def _legacy_constant(name: str) -> str:
    # NaN / Infinity stored before they were refused: served as text, so listings stay JSON.
    return name


_EMPTY: dict[str, Callable[[], Any]] = {"{}": dict, "[]": list, "null": lambda: None}
# One decoder for every row: json.loads() with an argument builds a new one per call, which
# cost a listing of 50 models a tenth of a millisecond.
_DECODER = json.JSONDecoder(parse_constant=_legacy_constant)


def loads(value):
    if value is None:
        return None
    empty = _EMPTY.get(value)  # most metadata columns are empty: skip the JSON parser
    return empty() if empty is not None else _DECODER.decode(value)


def row_to_entry(row, manifest: list[dict] | None) -> ModelEntry:
    """A ``models`` row (plus its artifact's manifest) as a ModelEntry."""
    m = row._mapping
    return ModelEntry(
        id=m["id"],
        compartment_id=m["compartment_id"],
        project_id=m["project_id"],
        display_name=m["display_name"],
        description=m["description"],
        created_by=m["created_by"],
        time_created=us_to_datetime(m["time_created"]),
        time_updated=us_to_datetime(m["time_updated"]),
        lifecycle_state=m["lifecycle_state"],
        freeform_tags=loads(m["freeform_tags"]) or {},
        defined_metadata=loads(m["defined_metadata"]) or {},
        custom_metadata=loads(m["custom_metadata"]) or [],
        input_schema=loads(m["input_schema"]),
        output_schema=loads(m["output_schema"]),
        provenance=loads(m["provenance"]) or {},
        version_set_id=m["version_set_id"],
        version=m["version"],
        parent_id=m["parent_id"],
        artifact_digest=m["artifact_digest"],
        artifact_size=m["artifact_size"],
        manifest=manifest or [],
        etag=m["etag"],
    )
