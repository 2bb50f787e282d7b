"""``CatalogService``: the one interface every door calls, with the rules every backend shares.

The doors (REST, magics, Python API, CLI) call this class and nothing below it.  It checks
what comes in against the field registry (``fields.py``), keeps artifacts and their test
results immutable, reads schemas from the artifact, and reads artifacts back as files,
folders and zips (``downloads.py``); a :class:`~.interface.CatalogBackend` stores.
``docs/architecture.md`` draws the layers.
"""
from __future__ import annotations

import builtins
import copy
import dataclasses
from collections.abc import Iterator
from pathlib import Path

from ..errors import ImmutableArtifact, InvalidInput, Unsupported
from . import defaults, downloads, fields, validation
from .entry import LIFECYCLE_STATES, ModelEntry
from .interface import BackendInfo, Capabilities, CatalogBackend, ProgressCallback
from .query import ModelQuery, Page
from .source import ArtifactSource, open_source

# Kept for callers that knew these names from the service module.
EDITABLE, ARTIFACT_FIELDS, READ_ONLY = fields.EDITABLE, fields.ARTIFACT, fields.READ_ONLY
TEST_RESULTS = fields.TEST_RESULTS


class CatalogService:
    """The catalog: immutable, versioned, searchable model storage, over any backend.

    Build one with :func:`~model_catalog_ext.catalog.open_catalog` (the backend is chosen by
    the URL's scheme).  Thread-safe; share one per process.
    """

    def __init__(self, backend: CatalogBackend):
        self.backend = backend
        self._actor: str | None = None

    # --- who changes it ---------------------------------------------------------------------
    def acting_as(self, actor: str | None) -> CatalogService:
        """A view of this catalog (the same backend, nothing to close) whose saves, edits, state
        changes and deletes are recorded in the history as ``actor``'s (None: the OS user)."""
        if actor is not None:
            if not isinstance(actor, str) or not actor.strip() or len(actor) > 255:
                raise InvalidInput("The actor of a change must be a user name of 1 to 255 characters.")
            validation.check_text("The actor", actor)
        view = copy.copy(self)
        view._actor = actor
        return view

    @property
    def actor(self) -> str:
        """Who this view's changes are recorded as: the ``acting_as`` user, else the OS user."""
        return self._actor or defaults.current_user()

    def _recorded(self) -> dict:
        # Only a backend that keeps a history is handed the actor (interface.py).
        return {"actor": self.actor} if self.backend.capabilities().history else {}

    # --- which catalog ----------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The catalog's URL, without credentials."""
        return self.backend.url

    @property
    def artifact_root(self) -> str | None:
        """Where the backend keeps artifact bytes, when it has such a place."""
        return self.backend.artifact_root

    def info(self) -> BackendInfo:
        """Which catalog this is: kind, label and location, for status displays."""
        return self.backend.info()

    def capabilities(self) -> Capabilities:
        """What the backend can do (filters it answers natively, dedup, verify, gc...)."""
        return self.backend.capabilities()

    def close(self) -> None:
        """Release the backend's connections."""
        self.backend.close()

    def __enter__(self) -> CatalogService:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- reading ----------------------------------------------------------------------------
    def get(self, model_id: str) -> ModelEntry:
        """The entry with this id (ModelNotFound if there is none)."""
        validation.check_model_id(model_id)
        return self.backend.get(model_id)

    def list(self, query: ModelQuery | None = None, **filters) -> Page:
        """One page of entries matching ``query`` (or keyword filters of ModelQuery).

        Inactive entries are left out unless ``state="INACTIVE"`` or ``"ALL"``.  Pass the
        returned ``next_page_token`` as ``page_token`` for the next page.
        """
        if query is None:
            query = ModelQuery.from_filters(**filters)
        else:
            if filters:
                ModelQuery.from_filters(**filters)  # refuses unknown names
                query = dataclasses.replace(query, **filters)
            query = query.normalized()
        capabilities = self.backend.capabilities()
        if query.latest_only and not capabilities.latest_only:
            raise Unsupported(f"The catalog at {self.url} cannot list one row per model; list every version "
                              "(leave latest_only out).")
        if query.scope is not None and not self.backend.filters_by_scope:
            # Ignored, a scope would list what it was meant to hide.
            raise Unsupported(f"The catalog at {self.url} cannot narrow a listing to an access scope.")
        if query.sort not in capabilities.sorts:
            raise Unsupported(f"The catalog at {self.url} cannot sort by {query.sort}; sort by one of "
                              f"{', '.join(capabilities.sorts)}.")
        return self.backend.list(query)

    def versions(self, model_id: str) -> builtins.list[ModelEntry]:
        """Every entry of the model's version set (all states), by ascending version."""
        validation.check_model_id(model_id)
        return self.backend.versions(model_id)

    # --- saving -----------------------------------------------------------------------------
    def save(self, artifact, *, display_name, description="", compartment_id=None, project_id=None,
             freeform_tags=None, defined_metadata=None, custom_metadata=None, input_schema=None,
             output_schema=None, provenance=None, created_by=None, as_new_version_of=None,
             progress: ProgressCallback | None = None) -> ModelEntry:
        """Store an artifact (a directory or a .zip) with its metadata as a new entry.

        With ``as_new_version_of=<model id>`` the entry joins that model's version set with
        the next version number and ``parent_id`` set.  Schemas default to the artifact's
        ``input_schema.json`` / ``output_schema.json`` (or legacy ``schema.json``).
        ``progress(done_bytes, total_bytes)`` is called as bytes are stored.  All or nothing:
        a failed save leaves no entry.
        """
        given = {"display_name": display_name, "description": description, "compartment_id": compartment_id,
                 "project_id": project_id, "freeform_tags": freeform_tags, "defined_metadata": defined_metadata,
                 "custom_metadata": custom_metadata, "provenance": provenance, "input_schema": input_schema,
                 "output_schema": output_schema}
        values = {name: fields.check_field(name, value) for name, value in given.items()}
        values["compartment_id"] = values["compartment_id"] or defaults.default_compartment_id()
        values["project_id"] = values["project_id"] or defaults.default_project_id()
        if created_by is not None and (not isinstance(created_by, str) or len(created_by) > 255):
            raise InvalidInput("created_by must be a user name of at most 255 characters.")
        if created_by is not None:
            validation.check_text("created_by", created_by)
        values["created_by"] = created_by or defaults.current_user()
        base = self.get(as_new_version_of) if as_new_version_of is not None else None
        with open_source(artifact) as source:
            _fill_schemas(values, source)
            if progress:
                progress(0, source.total_size)
            return self.backend.save(values, source, base, progress, **self._recorded())

    # --- changing metadata ------------------------------------------------------------------
    def update(self, model_id: str, *, etag: str | None = None, **changes) -> ModelEntry:
        """Change editable metadata; the artifact never changes.

        Editable: display_name, description, freeform_tags, defined_metadata,
        custom_metadata, provenance, compartment_id, project_id.  With ``etag`` the update
        only applies if the entry still has that etag (else :class:`Conflict`).
        """
        validation.check_model_id(model_id)
        artifact_keys = sorted(k for k in changes if k in fields.ARTIFACT)
        if artifact_keys:
            raise ImmutableArtifact(
                f"The artifact of model {model_id} never changes (you tried to set {', '.join(artifact_keys)}). "
                f"Artifacts never change: save a new version instead, e.g. "
                f"save(artifact_dir, ..., as_new_version_of='{model_id}').",
                model_id=model_id, fields=artifact_keys)
        read_only = sorted(k for k in changes if k in fields.READ_ONLY)
        if read_only:
            hint = " Use deactivate() / activate() to change the lifecycle state." \
                if "lifecycle_state" in read_only else ""
            raise InvalidInput(f"{', '.join(read_only)} cannot be changed.{hint}", fields=read_only)
        unknown = sorted(set(changes) - set(fields.EDITABLE))
        if unknown:
            raise InvalidInput(f"Unknown field {', '.join(unknown)}; editable fields: {', '.join(fields.EDITABLE)}.",
                               fields=unknown)
        checked = {key: fields.check_field(key, value) for key, value in changes.items()}
        if "defined_metadata" in checked:
            # Test results never change once saved, so reading them first cannot race an edit.
            checked["defined_metadata"] = _keep_test_results(self.backend.get(model_id),
                                                             checked["defined_metadata"])
        return self.backend.update(model_id, checked, etag, **self._recorded())

    def deactivate(self, model_id: str) -> ModelEntry:
        """Hide the entry from default listings (it stays downloadable)."""
        return self._set_state(model_id, "INACTIVE")

    def activate(self, model_id: str) -> ModelEntry:
        """Show an inactive entry in default listings again."""
        return self._set_state(model_id, "ACTIVE")

    def _set_state(self, model_id: str, state: str) -> ModelEntry:
        assert state in LIFECYCLE_STATES
        validation.check_model_id(model_id)
        return self.backend.set_state(model_id, state, **self._recorded())

    def delete(self, model_id: str) -> None:
        """Remove the entry; its bytes go too unless another entry uses them."""
        validation.check_model_id(model_id)
        self.backend.delete(model_id, **self._recorded())

    # --- history ----------------------------------------------------------------------------
    def history(self, model_id: str, all_versions: bool = False) -> builtins.list[dict]:
        """Who changed the entry, when and what, oldest first: one dict per save, edit, state
        change and delete (``catalog/history.py`` describes them), also after a delete.
        ``all_versions``: the records of every version of the model, in the order they were
        made.  Unsupported when the backend keeps no history (``capabilities().history``)."""
        validation.check_model_id(model_id)
        if not isinstance(all_versions, bool):
            raise InvalidInput("all_versions must be True or False.")
        return self.backend.history(model_id, all_versions)

    # --- reading artifacts back -------------------------------------------------------------
    def iter_file(self, model_id: str, path: str, reuse_buffers: bool = False, offset: int = 0) -> Iterator[bytes]:
        """The bytes of one artifact file, each chunk checked before it is yielded.

        ``reuse_buffers``: yield memoryviews of recycled buffers, each valid until two more
        chunks have been asked for (faster for a consumer that writes each chunk out).
        ``offset``: the bytes from there on (read from there when the backend can; the whole
        file's sha256 is then the reader's to check, see ``ArtifactFile.chunks_from``)."""
        entry = self.get(model_id)
        return downloads.file_chunks(entry, self.backend.artifact_files(entry, reuse_buffers), path, offset)

    def iter_zip(self, model_id: str, reuse_buffers: bool = False, offset: int = 0) -> Iterator[bytes]:
        """The artifact as a streamed zip.  Each chunk is checked before it is yielded: a
        damaged chunk raises DamagedArtifact instead, so the stream stops short (the zip is
        left incomplete) and no damaged byte is ever served.  Use :meth:`verify` first to
        refuse a damaged artifact up front.  ``reuse_buffers``, ``offset`` (of the zip): as
        for :meth:`iter_file`."""
        entry = self.get(model_id)
        return downloads.zip_stream(entry, self.backend.artifact_files(entry, reuse_buffers), offset)

    def zip_size(self, model_id: str) -> int:
        """The exact length in bytes of :meth:`iter_zip`'s stream for this model."""
        entry = self.get(model_id)
        return downloads.zip_size(self.backend.artifact_files(entry))

    def download(self, model_id: str, target_dir, force_overwrite: bool = False,
                 progress: ProgressCallback | None = None) -> Path:
        """Write the artifact's files into ``target_dir`` and return its path.

        All files are written and checked before the first takes its place, so a failed
        download leaves no half artifact (and, forced, no half-replaced one).  A non-empty
        target is refused unless ``force_overwrite``, which replaces the artifact's files
        and leaves other files alone.
        """
        entry = self.get(model_id)
        return downloads.download_folder(entry, self.backend.artifact_files(entry, reuse_buffers=True),
                                         target_dir, force_overwrite, progress)

    def write_zip(self, model_id: str, target, force_overwrite: bool = False,
                  progress: ProgressCallback | None = None) -> Path:
        """Write the artifact as one zip file at ``target`` and return its path: complete
        and intact, or not at all.  An existing ``target`` needs ``force_overwrite``."""
        entry = self.get(model_id)
        return downloads.write_zip(entry, self.backend.artifact_files(entry, reuse_buffers=True),
                                   target, force_overwrite, progress)

    # --- projects (backends whose capabilities say projects=True) -----------------------------
    def list_projects(self, compartment_id: str | None = None) -> builtins.list[dict]:
        """The projects of a compartment (default: the catalog's), newest first."""
        return self.backend.list_projects(fields.check_field("compartment_id", compartment_id))

    def create_project(self, display_name: str, description: str = "", compartment_id: str | None = None) -> dict:
        """Make a project in a compartment (default: the catalog's)."""
        return self.backend.create_project(fields.check_field("display_name", display_name),
                                           fields.check_field("description", description),
                                           fields.check_field("compartment_id", compartment_id))

    # --- looking after the catalog ----------------------------------------------------------
    def verify(self, model_id: str | None = None) -> builtins.list[dict]:
        """Re-hash stored bytes; one dict per damaged file of each affected entry.

        Each report: ``{id, display_name, version, path, sha256, problem}``.  An empty list
        means every checked byte is intact.  ``model_id=None`` checks the whole catalog.
        """
        if model_id is not None:
            validation.check_model_id(model_id)
        return self.backend.verify(model_id)

    def collect_garbage(self, tmp_grace_seconds: float = 3600) -> dict:
        """Remove what interrupted saves left once older than the grace period (a save still
        running keeps its files).  ``{"removed_blobs": [...], "removed_tmp_files": n,
        "freed_bytes": n}``."""
        return self.backend.collect_garbage(tmp_grace_seconds)

    def check_may_save(self, **values) -> None:
        """Refuse, before any byte is sent, a save the caller may not make: nothing here (a
        catalog service's access policy wraps this catalog and refuses what it forbids)."""

    def upload_sessions(self):
        """Resumable uploads into this catalog (``upload_sessions.UploadSessions``): parts
        sent one by one, checked, and saved once all are there.  Unsupported when the
        backend keeps no parts (it takes whole artifacts only)."""
        from .upload_sessions import UploadSessions

        staging = self.backend.staging()
        if staging is None:
            raise Unsupported(f"The catalog at {self.url} takes whole artifacts only (no resumable uploads).")
        return UploadSessions(self, staging)

    def share_listings(self, pages: int) -> None:
        """For doors that only serialize listings (the REST handlers): a listing asked again
        comes from memory, as the same Page object, while still right (CatalogBackend.share_listings)."""
        self.backend.share_listings(pages)

    def spool_folder(self) -> str | None:
        """Where a door may receive an upload so that collect_garbage() removes what a killed
        process left of it (None: the backend has no such place)."""
        return self.backend.spool_folder()

    def stats(self) -> dict:
        """Counts for status displays: models (by state) and what the backend adds."""
        return self.backend.stats()


def _fill_schemas(values: dict, source: ArtifactSource) -> None:
    if values["input_schema"] is None:
        values["input_schema"] = source.read_json("input_schema.json")
    if values["output_schema"] is None:
        values["output_schema"] = source.read_json("output_schema.json")
    if values["input_schema"] is None and values["output_schema"] is None:
        legacy = source.read_json("schema.json")
        if isinstance(legacy, dict) and ("input_schema" in legacy or "output_schema" in legacy):
            values["input_schema"] = legacy.get("input_schema")
            values["output_schema"] = legacy.get("output_schema")
        elif isinstance(legacy, dict):
            values["input_schema"] = legacy
    for key in ("input_schema", "output_schema"):
        if values[key] is not None and not isinstance(values[key], dict):
            values[key] = {"schema": values[key]}


def _keep_test_results(current: ModelEntry, defined: dict) -> dict:
    """ArtifactTestResults is what verify() found for this very artifact: it changes with
    the artifact only.  Left out of an edit it is kept; changed, the edit is refused."""
    stored = current.defined_metadata.get(TEST_RESULTS)
    if TEST_RESULTS not in defined:
        return {**defined, TEST_RESULTS: stored} if stored is not None else defined
    if defined[TEST_RESULTS] != stored:
        raise ImmutableArtifact(
            f"{TEST_RESULTS} of model {current.id} records how its artifact did in verify() and cannot be "
            "edited. Leave it out of defined_metadata (it is then kept); to record a new result, verify "
            f"the artifact and save it as a new version (as_new_version_of='{current.id}').",
            model_id=current.id, fields=[f"defined_metadata.{TEST_RESULTS}"])
    return defined
