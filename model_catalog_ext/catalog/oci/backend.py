"""``OciBackend``: the catalog kept in an OCI Data Science compartment and project.

Each entry is one OCI model; versions are OCI model version sets and ``versionId``; the
artifact is the model's one zip.  ``mapping.py`` says where each field lives,
``artifacts.py`` how bytes go up and down, ``listing.py`` how searches page.
"""
from __future__ import annotations

import builtins
import json
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Any

import oci
from oci.data_science import models as ds

from ...errors import (
    CatalogError,
    CatalogUnavailable,
    Conflict,
    DamagedArtifact,
    InvalidInput,
    ModelNotFound,
    Unsupported,
)
from ..entry import ModelEntry
from ..interface import FILTERS, ArtifactFile, BackendInfo, Capabilities, CatalogBackend
from ..query import ModelQuery, Page
from ..records import manifest_digest
from . import listing, mapping
from .artifacts import RangeReader, ZipUpload, blake3_digest, checked_chunks, lay_out, manifest_member, plan_zip
from .client import make_clients, oci_errors
from .foreign import foreign_artifact_files
from .large_artifacts import check_large_upload_possible, upload_through_object_storage
from .settings import OciSettings
from .summary_entry import PageDetails, SummaryEntry

GONE = ("DELETED", "FAILED")
_OCID = re.compile(r"[A-Za-z0-9._-]{1,255}")
_FETCH_THREADS = 8


class OciBackend(CatalogBackend):
    """The catalog in an OCI compartment (see the package docstring for the URL)."""

    def __init__(self, settings: OciSettings, url: str):
        self.settings = settings
        self.url = settings.location()
        self.artifact_root = None
        self.client, self._object_storage = make_clients(settings)
        self._pool = ThreadPoolExecutor(_FETCH_THREADS, thread_name_prefix="oci-catalog")
        self._lock = threading.Lock()
        self._manifests: dict[tuple[str, str], list] = {}  # (model id, sha256) -> files kept in its zip

    # --- which catalog ----------------------------------------------------------------------
    def info(self) -> BackendInfo:
        return BackendInfo("oci", "OCI Data Science model catalog", self.url)

    def capabilities(self) -> Capabilities:
        filters = {name: ("native" if name in listing.NATIVE else "slow") for name in FILTERS}
        # OCI keeps no update time to sort by, no "newest of each version set" filter and no
        # count: those would mean fetching every model of the compartment.
        return Capabilities(filters=filters, sorts=("time_created", "name", "version"), latest_only=False,
                            count_total=False, deduplicates=False, verify_stored=True, garbage_collection=False,
                            versions=True, history=False, projects=True)

    def close(self) -> None:
        self._pool.shutdown(wait=False)
        self.client.base_client.session.close()

    # --- reading ----------------------------------------------------------------------------
    def _compartment(self, given: str | None = None) -> str:
        compartment = given or self.settings.compartment_id
        if not compartment:
            raise CatalogUnavailable(
                "No OCI compartment for this catalog: put its OCID in the URL (oci://<region>/<compartment ocid>) "
                "or set NB_SESSION_COMPARTMENT_OCID (an OCI notebook session sets it).")
        return compartment

    def _project(self, given: str | None) -> str:
        project = given or self.settings.project_id
        if not project:
            raise InvalidInput(
                "No OCI project to save into: pass project_id, add ?project=<project ocid> to the catalog URL, or "
                "set PROJECT_OCID (an OCI notebook session sets it).")
        return project

    def _fetch(self, model_id: str):
        """(OCI model, etag), deleted ones included."""
        if not _OCID.fullmatch(model_id) or set(model_id) == {"."}:  # never a path of another route
            raise ModelNotFound(f"No model with id '{model_id}' in {self.url} (OCI model ids are OCIDs such as "
                                "ocid1.datasciencemodel.oc1...).", model_id=model_id)
        with oci_errors(self.url, model_id, self.settings.retries):
            response = self.client.get_model(model_id)
        return response.data, response.headers.get("etag")

    def _live(self, model_id: str):
        model, etag = self._fetch(model_id)
        if model.lifecycle_state in GONE:
            raise ModelNotFound(f"No model with id '{model_id}' in {self.url} (it is {model.lifecycle_state}).",
                                model_id=model_id)
        return model, etag

    def _entry(self, model, etag) -> ModelEntry:
        provenance = None
        if not mapping.has_record(model):  # saved by another tool: ask OCI's provenance endpoint
            provenance = self._oci_provenance(model.id)
        return mapping.entry_from_model(model, etag, provenance, self._files_or_none(model))

    def _files_of(self, model) -> builtins.list:
        """The manifest rows [path, size, sha256, crc32, offset] of a model of ours, read from its
        zip when the record says they are there (checked against the sha256 recorded)."""
        record = mapping.read_record(model.custom_metadata_list) or {}
        if "manifest_at" not in record:
            return record.get("files") or []
        offset, size, sha = record["manifest_at"]
        key = (model.id, sha)
        with self._lock:
            cached = self._manifests.get(key)
        if cached is not None:
            return cached
        data = b"".join(checked_chunks(self._range_fetcher(model.id), model.id, "(manifest)", offset, size, sha))
        files = json.loads(data)
        with self._lock:
            if len(self._manifests) > 256:
                self._manifests.clear()
            self._manifests[key] = files
        return files

    def _files_or_none(self, model) -> builtins.list | None:
        """As :meth:`_files_of`, but an unreadable manifest shows as none (artifact_files says why)."""
        try:
            return self._files_of(model)
        except (DamagedArtifact, ModelNotFound, ValueError):
            return []

    def _oci_provenance(self, model_id: str) -> dict | None:
        try:
            with oci_errors(self.url, model_id, self.settings.retries):
                data = self.client.get_model_provenance(model_id).data
        except ModelNotFound:
            return None
        return {ours: getattr(data, theirs) for ours, theirs in mapping.PROVENANCE_FIELDS.items()}

    def get(self, model_id: str) -> ModelEntry:
        return self._entry(*self._live(model_id))

    def _listed(self, model_id: str) -> ModelEntry:
        """The entry as a listing shows it: one call per model (a model saved by another tool
        shows no provenance there; get() asks OCI's provenance endpoint for it)."""
        model, etag = self._live(model_id)
        return mapping.entry_from_model(model, etag, None, self._files_or_none(model))

    def _full_entries(self, summaries: builtins.list) -> builtins.list[ModelEntry]:
        """Full entries for summaries, fetched a few at a time; ones deleted meanwhile drop out."""
        def one(summary):
            try:
                return self._listed(summary.id)
            except ModelNotFound:
                return None
        return [e for e in self._pool.map(one, summaries) if e is not None]

    def _fetch_page(self, q: ModelQuery):
        def fetch(token, limit, order):
            kwargs: dict[str, Any] = {"limit": limit, "sort_by": "timeCreated", "sort_order": order}
            if q.project_id:
                kwargs["project_id"] = q.project_id
            if q.state in listing.SHOWN_STATES:
                kwargs["lifecycle_state"] = q.state
            if token:
                kwargs["page"] = token
            try:
                with oci_errors(self.url, None, self.settings.retries):
                    response = self.client.list_models(self._compartment(q.compartment_id), **kwargs)
            except InvalidInput as exc:
                if token:
                    raise InvalidInput("The page token is not valid; start again from the first page, without "
                                       "it.") from exc
                raise
            return response.data, response.headers.get("opc-next-page")
        return fetch

    def _every_summary(self, q: ModelQuery):
        fetch, token = self._fetch_page(q), None
        while True:
            summaries, token = fetch(token, listing.OCI_PAGE, "DESC")
            yield from summaries
            if not token:
                return

    def list(self, query: ModelQuery) -> Page:
        cache: dict[str, ModelEntry | None] = {}

        plain = listing.is_plain(query)  # OCI answered the whole query: every summary matches

        def matches(summary) -> bool:
            if plain:
                return True
            if not listing.summary_matches(summary, query):
                return False
            if not listing.needs_full_model(query):
                return True
            try:
                cache[summary.id] = entry = self._listed(summary.id)
            except ModelNotFound:
                return False
            return listing.entry_matches(entry, query)

        if query.sort == "time_created":
            summaries, token = listing.list_by_time(query, self._fetch_page(query), matches)
        else:
            summaries, token = listing.list_sorted(query, self._every_summary(query), matches)
        # Rows read in full for a slow filter are kept; the others are summaries whose details
        # are fetched (for the whole page at once) only if someone reads one.
        details = PageDetails(self._details_of)
        return Page([cache.get(s.id) or SummaryEntry(s, details) for s in summaries], token)

    def _details_of(self, ids: builtins.list[str]) -> dict[str, ModelEntry]:
        def one(model_id: str) -> ModelEntry | None:
            try:
                return self._listed(model_id)
            except ModelNotFound:
                return None
        return {e.id: e for e in self._pool.map(one, ids) if e is not None}

    def versions(self, model_id: str) -> builtins.list[ModelEntry]:
        model, _ = self._live(model_id)
        if not model.model_version_set_name:
            return [self.get(model_id)]
        summaries, token = [], None
        while True:
            kwargs: dict[str, Any] = {"model_version_set_name": model.model_version_set_name, "limit": 1000}
            if token:
                kwargs["page"] = token
            with oci_errors(self.url, None, self.settings.retries):
                response = self.client.list_models(model.compartment_id, **kwargs)
            summaries += [s for s in response.data if s.lifecycle_state not in GONE
                          and s.model_version_set_id == model.model_version_set_id]
            token = response.headers.get("opc-next-page")
            if not token:
                break
        return sorted(self._full_entries(summaries), key=lambda e: e.version)

    # --- saving -----------------------------------------------------------------------------
    def save(self, values: dict[str, Any], source, base: ModelEntry | None, progress) -> ModelEntry:
        compartment = self._compartment(values.get("compartment_id"))
        project = self._project(values.get("project_id"))
        planned, zip_size = plan_zip(source)
        check_large_upload_possible(self.settings, zip_size)
        files = [[p.path, p.size, p.sha256, p.crc32, p.offset, *([p.blake3] if p.blake3 else [])] for p in planned]
        manifest = [{"path": p.path, "size": p.size, "sha256": p.sha256} for p in planned]
        record: dict[str, Any] = {"v": 1, "digest": manifest_digest(manifest),
                                  "parent": base.id if base is not None else None, "updated": None,
                                  "created_by": values["created_by"],
                                  "provenance": mapping.provenance_record(values.get("provenance") or {})}
        if fast := blake3_digest(files):
            record["blake3"] = fast
        text = json.dumps(files, separators=(",", ":"))
        if len(text) <= mapping.INLINE_MANIFEST:
            record["files"] = files
        else:  # too long for OCI's metadata: the zip's last member
            member = manifest_member(text.encode())
            planned.append(member)
            zip_size = lay_out(planned)
            check_large_upload_possible(self.settings, zip_size)
            record["manifest_at"] = [member.offset, member.size, member.sha256]
        record["zip_size"] = zip_size
        defined, custom = mapping.metadata_out(values, record)
        mapping.check_list_sizes(defined, custom + mapping.record_items(record))
        if base is not None:
            version_set = self._live(base.id)[0].model_version_set_id
            if not version_set:
                raise Unsupported(
                    f"Model {base.id} is in no model version set (it was saved by another tool), so it cannot have "
                    "a new version here. Add it to a version set in the OCI console, or save this model on its own.",
                    model_id=base.id)
        else:
            version_set = self._new_version_set(compartment, project, values["display_name"])
        details = ds.CreateModelDetails(
            compartment_id=compartment, project_id=project, display_name=values["display_name"],
            description=values.get("description") or "",
            freeform_tags=mapping.tags_out(values.get("freeform_tags") or {}, values["created_by"]),
            defined_metadata_list=[ds.Metadata(**m) for m in defined],
            custom_metadata_list=[ds.Metadata(**m) for m in custom + mapping.record_items(record)],
            input_schema=mapping.schema_out(values.get("input_schema")),
            output_schema=mapping.schema_out(values.get("output_schema")),
            model_version_set_id=version_set)
        try:
            with oci_errors(f"creating a model in {self.url}", None, self.settings.retries):
                model = self.client.create_model(details, opc_retry_token=_token()).data
        except BaseException:
            if base is None:
                self._discard(None, version_set)
            raise
        try:
            if zip_size > self.settings.upload_limit:
                upload_through_object_storage(self, model.id, planned, zip_size, progress)
            else:
                self._upload(model.id, planned, zip_size, progress)
            self._send_provenance(model.id, values.get("provenance") or {}, create=True)
        except BaseException as exc:
            self._discard(model.id, version_set if base is None else None)
            if isinstance(exc, CatalogError) or not isinstance(exc, Exception):
                raise
            raise CatalogUnavailable(f"Saving into {self.url} failed: {exc}; nothing was kept.") from exc
        return self.get(model.id)

    def _new_version_set(self, compartment: str, project: str, display_name: str) -> str:
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", display_name).strip("-")[:200] or "model"
        details = ds.CreateModelVersionSetDetails(compartment_id=compartment, project_id=project,
                                                  name=f"{slug}-{uuid.uuid4().hex[:12]}",
                                                  description=f"Versions of {display_name[:200]} (model-catalog-ext)")
        with oci_errors(f"creating a model version set in {self.url}", None, self.settings.retries):
            return self.client.create_model_version_set(details, opc_retry_token=_token()).data.id

    def _upload(self, model_id: str, planned, zip_size: int, progress) -> None:
        body = ZipUpload(planned, zip_size, progress)
        try:
            with oci_errors(f"uploading the artifact of {model_id} to {self.url}", model_id, self.settings.retries):
                self.client.create_model_artifact(
                    model_id, body, content_length=zip_size, opc_retry_token=_token(),
                    content_disposition=f'attachment; filename="{model_id}.zip"')
        except CatalogError:
            if body.error is not None:  # the artifact's own problem, not the network's
                raise body.error from None
            raise

    def _send_provenance(self, model_id: str, provenance: dict, create: bool, etag: str | None = None) -> None:
        fields = {theirs: provenance.get(ours) for ours, theirs in mapping.PROVENANCE_FIELDS.items()}
        if create and not any(fields.values()):
            return
        with oci_errors(f"recording the provenance of {model_id} in {self.url}", model_id, self.settings.retries):
            if create:
                self.client.create_model_provenance(model_id, ds.CreateModelProvenanceDetails(**fields),
                                                    opc_retry_token=_token())
                return
            try:
                self.client.update_model_provenance(model_id, ds.UpdateModelProvenanceDetails(**fields))
            except oci.exceptions.ServiceError as exc:
                if exc.status != 404:
                    raise
                self.client.create_model_provenance(model_id, ds.CreateModelProvenanceDetails(**fields),
                                                    opc_retry_token=_token())

    def _discard(self, model_id: str | None, version_set: str | None) -> None:
        """Delete what a failed save made, so no half model is listed (best effort: the failure
        that brought us here is what the caller must see)."""
        if model_id is not None:
            try:
                self.client.delete_model(model_id)
            except Exception:  # noqa: BLE001
                try:  # at least hide it from every listing of ours
                    self.client.deactivate_model(model_id)
                except Exception:  # noqa: BLE001
                    pass
        if version_set is not None:
            try:
                self.client.delete_model_version_set(version_set)
            except Exception:  # noqa: BLE001
                pass

    # --- changing ---------------------------------------------------------------------------
    def update(self, model_id: str, changes: dict[str, Any], etag: str | None) -> ModelEntry:
        if "project_id" in changes:
            current = self.get(model_id)
            if changes["project_id"] != current.project_id:
                raise Unsupported(
                    f"OCI keeps a model in the project it was created in, so model {model_id} cannot move to project "
                    f"{changes['project_id']}. Save it again into that project (save(..., project_id=...)).",
                    model_id=model_id)
        for _ in range(5):
            model, current_etag = self._live(model_id)
            if etag is not None and etag != current_etag:
                raise Conflict.stale(model_id, etag, current_etag)
            entry = mapping.entry_from_model(model, current_etag)
            if not changes:
                return self._entry(model, current_etag)
            try:
                self._write(model, entry, changes, current_etag)
            except Conflict:
                if etag is not None:
                    raise Conflict.stale(model_id, etag, self._fetch(model_id)[1]) from None
                continue  # changed between our read and write: read again
            return self.get(model_id)
        raise Conflict(f"Model {model_id} kept changing while we updated it; try again.", model_id=model_id)

    def _write(self, model, entry: ModelEntry, changes: dict, etag: str) -> None:
        record = mapping.read_record(model.custom_metadata_list) or {"v": 1}
        merged = {**entry.to_dict(), **changes}
        now = datetime.now(timezone.utc)
        later = max(now, entry.time_updated + timedelta(microseconds=1)) if entry.time_updated else now
        record["updated"] = later.isoformat()
        if "provenance" in changes:
            record["provenance"] = mapping.provenance_record(changes["provenance"])
        defined, custom = mapping.metadata_out(merged, record)
        mapping.check_list_sizes(defined, custom + mapping.record_items(record))
        details = ds.UpdateModelDetails(
            display_name=merged["display_name"], description=merged["description"] or "",
            freeform_tags=mapping.tags_out(merged["freeform_tags"] or {}, entry.created_by),
            defined_metadata_list=[ds.Metadata(**m) for m in defined],
            custom_metadata_list=[ds.Metadata(**m) for m in custom + mapping.record_items(record)])
        with oci_errors(f"updating model {model.id} in {self.url}", model.id, self.settings.retries):
            self.client.update_model(model.id, details, if_match=etag)
            if changes.get("compartment_id") and changes["compartment_id"] != model.compartment_id:
                self.client.change_model_compartment(
                    model.id, ds.ChangeModelCompartmentDetails(compartment_id=changes["compartment_id"]))
        if "provenance" in changes:
            self._send_provenance(model.id, changes["provenance"], create=False)

    def set_state(self, model_id: str, state: str) -> ModelEntry:
        model, etag = self._live(model_id)
        if model.lifecycle_state == state:
            return self._entry(model, etag)
        action = self.client.activate_model if state == "ACTIVE" else self.client.deactivate_model
        with oci_errors(f"setting model {model_id} {state} in {self.url}", model_id, self.settings.retries):
            action(model_id, if_match=etag)
        # OCI has no timeUpdated: record when it changed, as every change of ours does.
        return self._touch(model_id)

    def _touch(self, model_id: str) -> ModelEntry:
        for _ in range(5):
            model, current = self._live(model_id)
            entry = mapping.entry_from_model(model, current)
            try:
                self._write(model, entry, {}, current)
            except Conflict:
                continue
            return self.get(model_id)
        return self.get(model_id)

    def delete(self, model_id: str) -> None:
        model, etag = self._live(model_id)
        with oci_errors(f"deleting model {model_id} in {self.url}", model_id, self.settings.retries):
            self.client.delete_model(model_id, if_match=etag)

    # --- bytes ------------------------------------------------------------------------------
    def artifact_files(self, entry: ModelEntry, reuse_buffers: bool = False) -> builtins.list[ArtifactFile]:
        model, _ = self._live(entry.id)
        record = mapping.read_record(model.custom_metadata_list)
        if record is None:  # saved by ADS or the console: checked against the MD5 OCI keeps
            return foreign_artifact_files(partial(self._whole_artifact, entry.id), entry.id, self.url)
        files = self._files_of(model)
        manifest = [{"path": f[0], "size": f[1], "sha256": f[2]} for f in files]
        # Rows saved before BLAKE3 was recorded have five fields and are checked by sha256.
        if manifest_digest(manifest) != record.get("digest") or blake3_digest(files) != record.get("blake3"):
            raise DamagedArtifact(f"The manifest recorded for model {entry.id} no longer matches its digest; its "
                                  "metadata was edited outside model-catalog-ext.", model_id=entry.id)
        fetch = self._range_fetcher(entry.id, max((f[4] + f[1] - 1 for f in files), default=0))
        return [ArtifactFile(path, size, sha, crc, partial(checked_chunks, fetch, entry.id, path, offset, size, sha,
                                                           blake3=fast[0] if fast else None))
                for path, size, sha, crc, offset, *fast in files]

    def _whole_artifact(self, model_id: str) -> tuple[dict, _RawStream]:
        with oci_errors(f"reading the artifact of {model_id} from {self.url}", model_id, self.settings.retries):
            response = self.client.get_model_artifact_content(model_id)
        return response.headers, _RawStream(response.data)

    def _range_fetcher(self, model_id: str, end: int = 0):
        """``fetch(start, end)`` for :func:`checked_chunks`: ranges of the model's zip, read
        through one :class:`RangeReader` (consecutive files share a response)."""
        def open_range(start: int, stop: int):
            with oci_errors(f"reading the artifact of {model_id} from {self.url}", model_id, self.settings.retries):
                response = self.client.get_model_artifact_content(model_id, range=f"bytes={start}-{stop}")
            if response.status != 206:  # a service that ignored the range: refuse rather than guess
                response.data.close()
                raise CatalogUnavailable(f"OCI did not honour a range request for model {model_id}; try again.",
                                         model_id=model_id)
            return _RawStream(response.data)
        return RangeReader(open_range, end).fetch

    def verify(self, model_id: str | None = None) -> builtins.list[dict]:
        """Re-read every file and check it against its recorded digest (a download: BLAKE3
        where the model has one, else sha256)."""
        if model_id is not None:
            entries = [self.get(model_id)]
        else:
            entries, token = [], None
            while True:
                page = self.list(ModelQuery(state="ALL", limit=1000, page_token=token).normalized())
                entries += page.items
                if not (token := page.next_page_token):
                    break
        reports = []
        for entry in entries:
            try:
                files = self.artifact_files(entry)
            except Unsupported:
                continue
            for item in files:
                try:
                    for _ in item.chunks():
                        pass
                except DamagedArtifact:
                    reports.append({"id": entry.id, "display_name": entry.display_name, "version": entry.version,
                                    "path": item.path, "sha256": item.sha256, "problem": "damaged"})
        return reports

    # --- projects -------------------------------------------------------------------------
    def list_projects(self, compartment_id: str | None = None) -> builtins.list[dict]:
        compartment, found, token = self._compartment(compartment_id), [], None
        while True:
            kwargs: dict[str, Any] = {"limit": 1000, "sort_by": "timeCreated", "sort_order": "DESC"}
            if token:
                kwargs["page"] = token
            with oci_errors(f"listing the projects of {compartment}", None, self.settings.retries):
                response = self.client.list_projects(compartment, **kwargs)
            found += [_project(p) for p in response.data if p.lifecycle_state not in ("DELETING", "DELETED")]
            if not (token := response.headers.get("opc-next-page")):
                return found

    def create_project(self, display_name: str, description: str = "", compartment_id: str | None = None) -> dict:
        details = ds.CreateProjectDetails(compartment_id=self._compartment(compartment_id), display_name=display_name,
                                          description=description or None)
        with oci_errors(f"creating a project in {self.url}", None, self.settings.retries):
            return _project(self.client.create_project(details, opc_retry_token=_token()).data)

    def stats(self) -> dict:
        by_state: dict[str, int] = {}
        fetch, token = self._fetch_page(ModelQuery(state="ALL").normalized()), None
        while True:
            summaries, token = fetch(token, listing.OCI_PAGE, "DESC")
            for s in summaries:
                if s.lifecycle_state in listing.SHOWN_STATES:
                    by_state[s.lifecycle_state] = by_state.get(s.lifecycle_state, 0) + 1
            if not token:
                break
        return {"models": sum(by_state.values()), "by_state": by_state}


class _RawStream:
    """The body of a streamed SDK response, read by exact counts."""

    def __init__(self, response):
        self._response = response

    def read(self, count: int) -> bytes:
        return self._response.raw.read(count)

    def close(self) -> None:
        self._response.close()


def _project(p) -> dict:
    return {"id": p.id, "display_name": p.display_name, "description": p.description or "",
            "compartment_id": p.compartment_id, "lifecycle_state": p.lifecycle_state,
            "time_created": mapping.utc(p.time_created), "created_by": p.created_by}


def _token() -> str:
    """An opc-retry-token: the same create retried by the SDK makes one resource."""
    return uuid.uuid4().hex[:30]

