"""``ModelEntry``: one catalog entry, with every field of DESIGN.md section 2."""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

LIFECYCLE_STATES = ("ACTIVE", "INACTIVE")
PROVENANCE_KEYS = (
    "git_branch",
    "git_commit",
    "repository_url",
    "script_dir",
    "training_script",
    "git_dirty",
)


def empty_provenance() -> dict:
    """Provenance of an entry saved outside git: every key present, all unknown."""
    return {key: (False if key == "git_dirty" else None) for key in PROVENANCE_KEYS}


_FIELD_NAMES: dict[type, frozenset[str]] = {}


@dataclass
class ModelEntry:
    """A model in the catalog.  Metadata may change; the artifact never does."""

    id: str
    display_name: str
    description: str = ""
    compartment_id: str | None = None
    project_id: str | None = None
    created_by: str = ""
    time_created: datetime | None = None
    time_updated: datetime | None = None
    lifecycle_state: str = "ACTIVE"
    freeform_tags: dict[str, str] = field(default_factory=dict)
    defined_metadata: dict[str, Any] = field(default_factory=dict)
    custom_metadata: list[dict[str, Any]] = field(default_factory=list)
    input_schema: dict | None = None
    output_schema: dict | None = None
    provenance: dict[str, Any] = field(default_factory=empty_provenance)
    version_set_id: str = ""
    version: int = 1
    parent_id: str | None = None
    artifact_digest: str = ""
    artifact_size: int = 0
    manifest: list[dict[str, Any]] = field(default_factory=list)
    etag: str = ""

    @property
    def framework(self) -> str | None:
        """``defined_metadata["Framework"]``, the field the ``framework:`` filter matches."""
        value = self.defined_metadata.get("Framework")
        return str(value) if value else None

    @property
    def zip_name(self) -> str:
        """The file name a download of the artifact as a zip gets: ``churn-model-v3.zip``, with
        nothing in it a browser, a shell or a file system would trip on."""
        cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", self.display_name).strip("-.")
        return f"{cleaned[:80] or 'model'}-v{self.version}.zip"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: ISO-8601 UTC times, plain dicts and lists."""
        # Not dataclasses.asdict: its deep copy cost 20 ms per page of 50 (4x the query).
        # Top-level containers are copied so callers can change the result safely.
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dict):
                value = dict(value)
            elif isinstance(value, list):
                value = [dict(v) if isinstance(v, dict) else v for v in value]
            out[f.name] = value
        for key in ("time_created", "time_updated"):
            value = out[key]
            out[key] = value.isoformat() if value is not None else None
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelEntry:
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        names = _FIELD_NAMES.get(cls)
        if names is None:  # once per class: a listing of 50 from a catalog service calls this 50 times
            names = _FIELD_NAMES[cls] = frozenset(f.name for f in dataclasses.fields(cls))
        kwargs = {k: v for k, v in data.items() if k in names}
        for key in ("time_created", "time_updated"):
            value = kwargs.get(key)
            if isinstance(value, str):
                parsed = datetime.fromisoformat(value)
                if parsed.tzinfo is None:
                    parsed = parsed.replace(tzinfo=timezone.utc)
                kwargs[key] = parsed
        return cls(**kwargs)
