"""The save workflow, once, for every door: check early, refuse pending changes, capture
provenance, (prepare and verify,) save keeping what prepare() and verify() recorded.

Doors differ only in where the model comes from and how they talk to the user: the REST
API prepares in a notebook's kernel, ``%catalog save`` in its own kernel, the CLI and
``ModelArtifact.save()`` take a folder that exists.  Each builds a :class:`SaveRequest` and
calls :func:`save_folder` (or :func:`prepare_verify_save`); the rules live here.  This
layer sits above ``catalog/`` and ``artifact/``, which know nothing of each other.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..catalog import CatalogService, ModelEntry
from ..catalog import fields as entry_fields
from ..errors import InvalidInput, ModelNotFound, PendingChanges

ProgressCallback = Callable[[int, int], None]
# How each door spells an option in its messages ({"ignore_pending_changes": "--ignore-pending-changes"}).
Spelling = dict[str, str]


@dataclass
class SaveRequest:
    """What a user asked to save with the artifact.

    ``provenance``: given as is; else captured from git for ``training_script_path``, or for
    this kernel's notebook (or ``python script.py``) when ``capture_provenance`` is true.
    ``defined_metadata`` / ``custom_metadata``: None takes what prepare(), verify() and
    ``metadata_custom.add()`` recorded in the artifact folder.
    """

    display_name: str | None = None
    description: str | None = None
    freeform_tags: dict[str, str] | None = None
    compartment_id: str | None = None
    project_id: str | None = None
    defined_metadata: dict[str, Any] | None = None
    custom_metadata: Any = None
    provenance: dict[str, Any] | None = None
    training_script_path: str | os.PathLike | None = None
    capture_provenance: bool = False
    ignore_pending_changes: bool = False
    as_new_version_of: str | None = None
    created_by: str | None = None
    spelling: Spelling = field(default_factory=dict)
    # How a failed verify() is reported before saving: "api" (a warning), "cli" / "magic"
    # (a line on stderr) or "server" (in the answer only); MODEL_CATALOG_REFUSE_FAILED_VERIFY
    # turns it into a refusal at every door (artifact/test_results_policy.py).
    door: str = "api"

    def option(self, name: str) -> str:
        """How the user's door spells option ``name`` (``--ignore-pending-changes``...)."""
        return self.spelling.get(name, f"{name}=True" if name.startswith("ignore") else name)


def check_request(catalog: CatalogService, request: SaveRequest) -> ModelEntry | None:
    """Refuse bad metadata before any slow work (preparing, hashing gigabytes); returns the
    model ``as_new_version_of`` names, if any."""
    for name in ("description", "freeform_tags", "compartment_id", "project_id", "custom_metadata",
                 "defined_metadata"):
        entry_fields.check_field(name, getattr(request, name))
    if request.display_name is not None:
        entry_fields.check_field("display_name", request.display_name)
    base_id = request.as_new_version_of
    if base_id in (None, ""):
        return None
    if not isinstance(base_id, str):
        raise InvalidInput(f"{request.option('as_new_version_of')} must be the id (text) of the model this saves "
                           "a new version of.", field="as_new_version_of")
    try:
        return catalog.get(base_id)
    except ModelNotFound:
        raise ModelNotFound(
            f"{request.option('as_new_version_of')}: there is no model '{base_id}' in the catalog to save a new "
            "version of. Pick the model in the catalog's list, or leave it out to save a new model.",
            model_id=base_id) from None


def check_training_script(request: SaveRequest) -> None:
    """InvalidInput unless the training script is None or exists: a typo must not save a
    model silently without provenance."""
    if request.training_script_path is None:
        return
    path = Path(request.training_script_path).expanduser()
    if not path.exists():
        raise InvalidInput(
            f"The training script '{path.absolute()}' does not exist, so its git provenance cannot be "
            f"recorded. Pass the path of the script or notebook that trained the model as "
            f"{request.option('training_script_path')}, or leave it out.", path=str(path.absolute()))


def capture_provenance(request: SaveRequest, artifact_dir: str | os.PathLike | None = None) -> dict | None:
    """The request's provenance: given, captured from git, or None (nothing to capture).
    PendingChanges (naming the door's option) when the script or artifact has uncommitted
    changes, unless the request ignores them."""
    if request.provenance is not None:
        return request.provenance
    if request.training_script_path is None and not request.capture_provenance:
        return None
    check_training_script(request)
    from ..provenance import capture_provenance as capture

    try:
        return capture(training_script_path=request.training_script_path, artifact_dir=artifact_dir,
                       ignore_pending_changes=request.ignore_pending_changes)
    except PendingChanges as exc:
        files = list(exc.details.get("files", []))
        raise PendingChanges(
            f"Uncommitted changes in {len(files)} file(s): {', '.join(files[:10])}{' ...' if len(files) > 10 else ''}. "
            "Commit them so the provenance points at the code that made the model, or pass "
            f"{request.option('ignore_pending_changes')}.", files=files) from None


def pending_changes(training_script_path) -> dict:
    """``{dirty, files}``: what would stop a save of this script without the override."""
    from ..provenance import capture_provenance as capture

    try:
        provenance = capture(training_script_path=str(training_script_path))
    except PendingChanges as exc:
        return {"dirty": True, "files": list(exc.details.get("files", []))}
    return {"dirty": bool(provenance.get("git_dirty")), "files": []}


def recorded_metadata(artifact_path: str | os.PathLike) -> dict | None:
    """The taxonomy prepare() (and verify()) recorded in an artifact folder, when the artifact
    layer can read it: what a save records unless told otherwise."""
    path = Path(artifact_path)
    if not path.is_dir():
        return None
    try:
        from ..artifact import ModelArtifact
    except ImportError:
        return None
    try:
        data = ModelArtifact(path).defined_metadata
    except Exception:  # a hand-made artifact: no recorded metadata is fine
        return None
    return {k: v for k, v in (data or {}).items() if v is not None} or None


def recorded_custom_metadata(artifact_path: str | os.PathLike) -> list | None:
    """The custom metadata added to an artifact folder (``art.metadata_custom.add(...)``)."""
    path = Path(artifact_path)
    if not path.is_dir():
        return None
    from ..artifact import metadata as artifact_metadata

    items = artifact_metadata.read(path).get("custom_metadata")
    return list(items) if isinstance(items, list) and items else None


def save_folder(catalog: CatalogService, artifact: str | os.PathLike, request: SaveRequest,
                progress: ProgressCallback | None = None) -> ModelEntry:
    """Save an artifact folder (or .zip) as a new model, or the next version of one.

    The name defaults to the model's it is a version of, else to the folder's (an empty one
    is refused); provenance as :func:`capture_provenance`; the taxonomy defaults to what the
    artifact recorded.
    """
    path = Path(os.fspath(artifact))
    base = check_request(catalog, request)
    name = request.display_name
    if name is None:
        name = base.display_name if base is not None else (path.name if path.is_dir() else path.stem)
    entry_fields.check_field("display_name", name)
    provenance = capture_provenance(request, path if path.is_dir() else None)
    defined = request.defined_metadata if request.defined_metadata is not None else recorded_metadata(path)
    custom = request.custom_metadata if request.custom_metadata is not None else recorded_custom_metadata(path)
    from ..artifact.test_results_policy import check_before_save

    check_before_save(defined, request.door)  # warns, or refuses, after a failed verify()
    return catalog.save(
        path, display_name=name, description=request.description or "",
        compartment_id=request.compartment_id or None, project_id=request.project_id or None,
        freeform_tags=request.freeform_tags or None, defined_metadata=defined or None,
        custom_metadata=custom, provenance=provenance,
        created_by=request.created_by, as_new_version_of=request.as_new_version_of or None, progress=progress)


@dataclass
class PreparedSave:
    """What :func:`prepare_verify_save` did: the entry, and the verification report."""

    entry: ModelEntry
    report: Any
    notes: list[str]


def prepare_verify_save(catalog: CatalogService, model: Any, request: SaveRequest, *, X_sample=None,
                        y_sample=None, as_onnx: bool | None = None) -> PreparedSave:
    """prepare() -> verify() -> save, in a throw-away folder, for a model object in this
    process.  Nothing is saved when verification fails (PrepareError naming each failed
    check).  Pending changes are refused before preparing, so nobody waits for nothing."""
    import warnings

    from ..artifact import prepare
    from ..errors import PrepareError

    check_request(catalog, request)
    if request.provenance is None and (request.capture_provenance or request.training_script_path):
        request = replace(request, provenance=capture_provenance(request))
    workdir = Path(tempfile.mkdtemp(prefix="model-catalog-save-"))
    notes: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            artifact = prepare(model, workdir / "artifact", X_sample=X_sample, y_sample=y_sample, as_onnx=as_onnx,
                               training_script_path=(None if request.training_script_path is None
                                                     else os.fspath(request.training_script_path)))
        for warning in caught:
            if str(warning.message).startswith("ONNX not used"):  # asked for, not possible: a note
                notes.append(str(warning.message))
            else:
                warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
        report = artifact.verify()
        if not report.ok:
            failed = "; ".join(f"{c['name']}: {' '.join(str(c['message']).split())}" for c in report.failures)
            raise PrepareError(f"The prepared artifact failed verification, nothing was saved: {failed}. To fix "
                               "it by hand, prepare it into a folder of yours with model_catalog_ext.prepare(), "
                               "edit it, then verify() and save() it.", checks=report.failures)
        entry = save_folder(catalog, artifact.artifact_dir, request)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return PreparedSave(entry, report, notes)
