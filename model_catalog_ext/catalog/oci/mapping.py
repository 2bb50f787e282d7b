"""Our :class:`ModelEntry` <-> an OCI Data Science ``Model``, both ways, losing nothing.

OCI holds most fields natively: display name, description, freeform tags, the defined
metadata of its reserved keys, custom metadata, the schemas (as JSON text), the version set
and ``versionId``, the state and ``timeCreated``.  What OCI has no place for is kept in our
*record*, the custom metadata item ``model-catalog-ext`` (compact JSON), with:

- the manifest's digest and the manifest itself (path, size, sha256, CRC-32, offset of the
  file's bytes in the stored zip, and BLAKE3-256 since it is recorded: ``blake3`` then
  digests those): OCI keeps no sha256, and every byte read back is checked against these.
  OCI (as ADS) caps each metadata list at 32,000 characters in all, so a
  manifest longer than ``INLINE_MANIFEST`` characters is stored as the last member of the
  artifact's zip (``.model-catalog-ext/manifest.json``) and the record holds its offset,
  size and sha256 instead (``manifest_at``);
- ``parent`` (the entry this one is a new version of), ``updated`` (OCI has no
  ``timeUpdated``; we set it on every change we make), and the provenance including
  ``git_dirty`` (the rest is also sent to OCI's provenance endpoint, for the console and ADS);
- ``created_by`` (OCI sets ``createdBy`` to the caller's principal): also kept in the hidden
  freeform tag ``model-catalog-ext-created-by`` so listings filter on it from summaries;
- what makes values exact again: which defined / custom values were non-text and were
  stored as JSON, and defined metadata under keys OCI does not reserve.

Models saved by other tools (ADS, the console) have no record: they map with an empty
manifest (listed and shown quickly); their files are read, checked against the MD5 OCI keeps
of every artifact, only when downloaded (``foreign.py``).
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from ...errors import InvalidInput
from ..entry import PROVENANCE_KEYS, ModelEntry, empty_provenance

RECORD_KEY = "model-catalog-ext"
CREATED_BY_TAG = "model-catalog-ext-created-by"
RECORD_DESCRIPTION = "Manifest and digests of the artifact, kept by model-catalog-ext; do not edit."
MAX_LIST = 32000  # characters of one metadata list's JSON (ADS checks it; the service caps it)
INLINE_MANIFEST = 8000  # a longer manifest goes into the zip, leaving the list to the user
# The defined metadata keys OCI reserves (its model taxonomy).
OCI_DEFINED_KEYS = ("UseCaseType", "Framework", "FrameworkVersion", "Algorithm", "Hyperparameters",
                    "ArtifactTestResults")
# Our provenance keys <-> OCI's provenance fields (git_dirty has no OCI field: in the record).
PROVENANCE_FIELDS = {"repository_url": "repository_url", "git_branch": "git_branch", "git_commit": "git_commit",
                     "script_dir": "script_dir", "training_script": "training_script"}


def _is_record_key(key: str) -> bool:
    return key == RECORD_KEY


def record_items(record: dict) -> list[dict]:
    """The record as a custom metadata item (OCI's snake_case model attributes)."""
    return [{"key": RECORD_KEY, "value": json.dumps(record, separators=(",", ":"), sort_keys=True),
             "category": "Other", "description": RECORD_DESCRIPTION}]


def read_record(custom_items: list) -> dict | None:
    """The record among a model's custom metadata, None when the model has none."""
    for item in custom_items or []:
        if _get(item, "key") == RECORD_KEY:
            try:
                record = json.loads(_get(item, "value") or "")
            except ValueError:
                return None
            return record if isinstance(record, dict) else None
    return None


def check_list_sizes(defined: list[dict], custom: list[dict]) -> None:
    """Refuse, before anything is sent, metadata lists longer than OCI keeps."""
    for name, items in (("defined_metadata", defined), ("custom_metadata", custom)):
        size = len(json.dumps(items, separators=(",", ":")))
        if size > MAX_LIST:
            raise InvalidInput(f"{name} takes {size} characters as OCI stores it; OCI keeps at most {MAX_LIST} per "
                               "model (with model-catalog-ext's own record in custom metadata). Shorten it, or put "
                               "the data in a file of the artifact.", field=name)


def _get(item, name: str):
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), sort_keys=True)


def metadata_out(values: dict, record: dict) -> tuple[list[dict], list[dict]]:
    """(defined, custom) metadata lists for OCI from checked values; fills the record's type
    notes.  Values longer than OCI allows are refused here, before anything is created."""
    defined, json_defined, extra = [], [], {}
    for key, value in (values.get("defined_metadata") or {}).items():
        if key not in OCI_DEFINED_KEYS:
            extra[key] = value
            continue
        if not isinstance(value, str):
            json_defined.append(key)
        defined.append({"key": key, "value": _checked_length(f"defined_metadata['{key}']", _text(value))})
    custom, json_custom = [], []
    for item in values.get("custom_metadata") or []:
        if _is_record_key(item["key"]):
            raise InvalidInput(f"The custom metadata key '{item['key']}' is where model-catalog-ext keeps the "
                               "artifact's manifest on OCI; pick another key.", key=item["key"])
        value = item.get("value")
        if not isinstance(value, str):
            json_custom.append(item["key"])
        custom.append({"key": item["key"], "value": _checked_length(f"custom_metadata '{item['key']}'", _text(value)),
                       "category": item.get("category") or "Other", "description": item.get("description") or ""})
    record["typed"] = {"defined_json": json_defined, "custom_json": json_custom, "defined_extra": extra}
    return defined, custom


def _checked_length(name: str, text: str) -> str:
    if len(text) > MAX_LIST:
        raise InvalidInput(f"{name} is {len(text)} characters long; OCI keeps at most {MAX_LIST} per metadata "
                           "list. Shorten it, or put the data in a file of the artifact.", field=name)
    return text


def schema_out(schema: dict | None) -> str | None:
    return None if schema is None else json.dumps(schema, separators=(",", ":"), sort_keys=True)


def tags_out(tags: dict, created_by: str) -> dict:
    return {**tags, CREATED_BY_TAG: created_by}


def provenance_record(provenance: dict) -> dict:
    return {key: provenance.get(key) for key in PROVENANCE_KEYS}


def utc(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)


def entry_from_model(model, etag: str, provenance: dict | None = None, files: list | None = None) -> ModelEntry:
    """A ModelEntry from an OCI ``Model`` (the SDK object) and its etag.  ``provenance``: what
    OCI's provenance endpoint holds, for a model without our record; ``files``: the manifest
    read from the zip when the record says it is there."""
    record = read_record(model.custom_metadata_list) or {}
    typed = record.get("typed") or {}
    json_defined, json_custom = set(typed.get("defined_json") or []), set(typed.get("custom_json") or [])
    defined: dict[str, Any] = dict(typed.get("defined_extra") or {})
    for item in model.defined_metadata_list or []:
        key, value = item.key, item.value
        if key in json_defined:
            defined[key] = json.loads(value)
        elif value is not None:
            defined[key] = value
    custom = []
    for item in model.custom_metadata_list or []:
        if _is_record_key(item.key):
            continue
        value = json.loads(item.value) if item.key in json_custom else item.value
        custom.append({"key": item.key, "value": value, "category": item.category or "Other",
                       "description": item.description or ""})
    tags = dict(model.freeform_tags or {})
    created_by = tags.pop(CREATED_BY_TAG, None) or record.get("created_by") or model.created_by or ""
    files = files if files is not None else record.get("files") or []
    manifest = [{"path": f[0], "size": f[1], "sha256": f[2]} for f in files]
    time_created = utc(model.time_created)
    prov = empty_provenance()
    prov.update(record.get("provenance") or provenance or {})
    return ModelEntry(
        id=model.id, display_name=model.display_name or "", description=model.description or "",
        compartment_id=model.compartment_id, project_id=model.project_id, created_by=created_by,
        time_created=time_created, time_updated=utc(record.get("updated")) or time_created,
        lifecycle_state=model.lifecycle_state, freeform_tags=tags, defined_metadata=defined,
        custom_metadata=custom, input_schema=_schema_in(model.input_schema),
        output_schema=_schema_in(model.output_schema), provenance=prov,
        version_set_id=model.model_version_set_id or model.id, version=model.version_id or 1,
        parent_id=record.get("parent"), artifact_digest=record.get("digest") or "",
        artifact_size=sum(m["size"] for m in manifest), manifest=manifest, etag=etag or "")


def _schema_in(text):
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return {"schema": text}
    return value if isinstance(value, dict) else {"schema": value}


def has_record(model) -> bool:
    return read_record(model.custom_metadata_list) is not None
