"""The field registry: every field of a catalog entry, once, with what may be done with it.

The catalog service, the REST validation, the magics' front matter and the OpenAPI file all
derive their field lists from here (a test compares ``openapi.yaml`` with this registry), so
a field added or made editable is added in one place.

Kinds:

- ``editable``: metadata a metadata edit (PATCH, ``Model.commit()``, ``%catalog edit``) may change;
- ``artifact``: describes the artifact, which never changes (an edit is ``ImmutableArtifact``);
- ``read_only``: set by the catalog (ids, times, versions, etag, state).

``save`` marks what a save accepts from its caller, besides the artifact itself.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import validation


@dataclass(frozen=True)
class Field:
    """One field of an entry: its kind, whether a save takes it, and its check."""

    name: str
    kind: str  # "editable" | "artifact" | "read_only"
    save: bool = False
    check: Callable[[Any], Any] | None = None
    doc: str = ""


def _namespace(name: str) -> Callable[[Any], Any]:
    return lambda value: validation.check_namespace(name, value)


def _schema(name: str) -> Callable[[Any], Any]:
    return lambda value: validation.check_schema(name, value)


FIELDS: tuple[Field, ...] = (
    Field("display_name", "editable", True, validation.check_display_name, "the model's name"),
    Field("description", "editable", True, validation.check_description, "free text"),
    Field("freeform_tags", "editable", True, validation.check_freeform_tags, "{key: value} tags"),
    Field("defined_metadata", "editable", True, validation.check_defined_metadata,
          "the taxonomy: UseCaseType, Framework, Algorithm, Hyperparameters, ArtifactTestResults..."),
    Field("custom_metadata", "editable", True, validation.check_custom_metadata,
          "a list of {key, value, category, description}"),
    Field("provenance", "editable", True, validation.check_provenance, "where the model came from (git)"),
    Field("compartment_id", "editable", True, _namespace("compartment_id"), "namespace"),
    Field("project_id", "editable", True, _namespace("project_id"), "namespace"),
    Field("input_schema", "artifact", True, _schema("input_schema"), "ADS schema of the input"),
    Field("output_schema", "artifact", True, _schema("output_schema"), "ADS schema of the output"),
    Field("artifact_digest", "artifact", doc="sha256 of the manifest"),
    Field("artifact_size", "artifact", doc="bytes in all files"),
    Field("manifest", "artifact", doc="[{path, size, sha256}] per file"),
    Field("id", "read_only"),
    Field("created_by", "read_only", doc="who saved it: the authenticated user, never a value sent"),
    Field("time_created", "read_only"),
    Field("time_updated", "read_only"),
    Field("lifecycle_state", "read_only", doc="ACTIVE or INACTIVE: use activate / deactivate"),
    Field("version_set_id", "read_only"),
    Field("version", "read_only"),
    Field("parent_id", "read_only"),
    Field("etag", "read_only"),
)

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
EDITABLE: tuple[str, ...] = tuple(f.name for f in FIELDS if f.kind == "editable")
# What an edit of the artifact may be spelled as, besides the entry's own artifact fields.
ARTIFACT_ALIASES = ("artifact", "artifact_dir", "files")
ARTIFACT: tuple[str, ...] = tuple(f.name for f in FIELDS if f.kind == "artifact") + ARTIFACT_ALIASES
READ_ONLY: tuple[str, ...] = tuple(f.name for f in FIELDS if f.kind == "read_only")
SAVE_METADATA: tuple[str, ...] = tuple(f.name for f in FIELDS if f.save)
# Of defined_metadata: what verify() found for this very artifact, set at save, never edited.
TEST_RESULTS = "ArtifactTestResults"


def check_field(name: str, value: Any) -> Any:
    """The checked value of an editable or savable field (InvalidInput when it is bad)."""
    check = BY_NAME[name].check
    return check(value) if check else value
