"""A catalog backend in memory, living only in the tests.

It shows that a new backend is one module plus one fixture: it implements
``CatalogBackend``, is registered under the ``memory://`` scheme, and runs the whole
contract suite (tests/catalog/test_contract.py) without any door or rule knowing of it.
Catalogs live as long as the process, by name, so a test can open the same one twice.
"""
from __future__ import annotations

import copy
import hashlib
import threading
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from model_catalog_ext.catalog import history as hist
from model_catalog_ext.catalog import pagetoken
from model_catalog_ext.catalog.defaults import current_user
from model_catalog_ext.catalog.entry import ModelEntry
from model_catalog_ext.catalog.interface import ArtifactFile, BackendInfo, Capabilities, CatalogBackend
from model_catalog_ext.catalog.query import ModelQuery, Page
from model_catalog_ext.catalog.records import manifest_digest, name_key, normalize_framework
from model_catalog_ext.errors import Conflict, DamagedArtifact, ModelNotFound

CHUNK = 1024 * 1024
_catalogs: dict[str, MemoryBackend] = {}


class MemoryBackend(CatalogBackend):
    """Entries in dicts, file bytes by sha256 (so identical bytes are kept once)."""

    filters_by_scope = True

    def __init__(self, url: str):
        self.url = url
        self.artifact_root = None
        self._lock = threading.RLock()
        self._rows: dict[str, dict] = {}  # id -> {"entry": ModelEntry, "seq": int}
        self._blobs: dict[str, tuple[bytes, list[bytes]]] = {}  # sha256 -> (bytes, chunk digests)
        self._last_version: dict[str, int] = {}
        self._seq = 0
        self._history: list[dict] = []  # every record, oldest first (kept after a delete)
        self._upload_saves: dict[str, str] = {}  # upload key -> id of the entry it saved

    def info(self) -> BackendInfo:
        return BackendInfo("memory", "In-memory catalog (tests)", self.url)

    def capabilities(self) -> Capabilities:
        return Capabilities(deduplicates=True, verify_stored=True, garbage_collection=False, history=True)

    def _row(self, model_id: str) -> dict:
        row = self._rows.get(model_id)
        if row is None:
            raise ModelNotFound(f"No model with id '{model_id}' in {self.url}.", model_id=model_id)
        return row

    def get(self, model_id: str) -> ModelEntry:
        with self._lock:
            return copy.deepcopy(self._row(model_id)["entry"])

    def list(self, query: ModelQuery) -> Page:
        with self._lock:
            every = list(self._rows.values())
        rows = [r for r in every if _matches(r["entry"], query)]
        if query.latest_only:  # no newer version of its set passes the state filter
            newest: dict[str, int] = {}
            for r in every:
                e = r["entry"]
                if (query.state == "ALL" or e.lifecycle_state == query.state) and \
                        (query.scope is None or query.scope.admits(e.compartment_id, e.project_id)):
                    newest[e.version_set_id] = max(newest.get(e.version_set_id, 0), e.version)
            rows = [r for r in rows if r["entry"].version == newest.get(r["entry"].version_set_id)]
        total = len(rows) if query.count_total else None
        keys = {id(r): _sort_key(query, r) for r in rows}
        rows.sort(key=lambda r: keys[id(r)], reverse=query.order == "desc")
        if query.page_token:
            kinds = {"time_created": [int], "time_updated": [int, int], "name": [str, int],
                     "version": [int, int]}[query.sort]
            after = pagetoken.decode(query.page_token, query.fingerprint(), kinds)
            rows = [r for r in rows if (keys[id(r)] < after if query.order == "desc" else keys[id(r)] > after)]
        page, more = rows[: query.limit], len(rows) > query.limit
        token = pagetoken.encode(query.fingerprint(), keys[id(page[-1])]) if more else None
        counts = {}
        if query.latest_only:
            for r in page:
                vs = r["entry"].version_set_id
                counts[r["entry"].id] = sum(1 for o in every if o["entry"].version_set_id == vs and (
                    query.scope is None or query.scope.admits(o["entry"].compartment_id, o["entry"].project_id)))
        return Page([copy.deepcopy(r["entry"]) for r in page], token, total=total, version_counts=counts)

    def versions(self, model_id: str) -> list[ModelEntry]:
        with self._lock:
            vs = self._row(model_id)["entry"].version_set_id
            found = [r["entry"] for r in self._rows.values() if r["entry"].version_set_id == vs]
        return [copy.deepcopy(e) for e in sorted(found, key=lambda e: e.version)]

    def save(self, values, source, base, progress, actor=None) -> ModelEntry:
        with self._lock:
            saved = self._upload_saves.get(source.upload_key) if source.upload_key is not None else None
        if saved is not None:  # that upload made its entry already
            return self.get(saved)
        manifest, total, done = [], source.total_size, 0
        for f in source.files:
            h, data = hashlib.sha256(), bytearray()
            with f.open() as stream:
                while chunk := stream.read(CHUNK):
                    h.update(chunk)
                    data += chunk
                    done += len(chunk)
                    if progress:
                        progress(done, total)
            sha = h.hexdigest()
            chunks = [hashlib.sha256(data[i:i + CHUNK]).digest() for i in range(0, len(data), CHUNK)]
            with self._lock:
                self._blobs[sha] = (bytes(data), chunks)  # a fresh copy heals a damaged one
            manifest.append({"path": f.path, "size": len(data), "sha256": sha})
        now = datetime.now(timezone.utc)
        with self._lock:
            if source.upload_key in self._upload_saves:  # saved by another save meanwhile
                return copy.deepcopy(self._row(self._upload_saves[source.upload_key])["entry"])
            if base is not None:
                vs = self._row(base.id)["entry"].version_set_id
                version = self._last_version[vs] = self._last_version[vs] + 1
                parent = base.id
            else:
                vs, version, parent = f"mvs-{uuid.uuid4().hex[:24]}", 1, None
                self._last_version[vs] = 1
            self._seq += 1
            entry = ModelEntry(id=f"mem-{uuid.uuid4().hex[:24]}", time_created=now, time_updated=now,
                               version_set_id=vs, version=version, parent_id=parent, manifest=manifest,
                               artifact_digest=manifest_digest(manifest),
                               artifact_size=sum(m["size"] for m in manifest), etag=uuid.uuid4().hex,
                               **copy.deepcopy(values))
            self._rows[entry.id] = {"entry": entry, "seq": self._seq}
            if source.upload_key is not None:
                self._upload_saves[source.upload_key] = entry.id
            self._record(entry, now, actor, "saved", hist.saved_changes(entry))
            return copy.deepcopy(entry)

    def _record(self, entry: ModelEntry, at: datetime, actor, action: str, changes: dict) -> None:
        # Under self._lock, with the change itself: nothing can see one without the other.
        self._history.append(hist.record(entry.id, entry.version_set_id, entry.version, len(self._history) + 1,
                                         at.isoformat(), actor or current_user(), action, copy.deepcopy(changes)))

    def history(self, model_id, all_versions=False) -> list[dict]:
        with self._lock:
            mine = [r for r in self._history if r["model_id"] == model_id]
            if not mine:
                self._row(model_id)
            if all_versions and mine:
                mine = [r for r in self._history if r["version_set_id"] == mine[0]["version_set_id"]]
            return copy.deepcopy(mine)

    def _change(self, model_id: str, **changes) -> ModelEntry:
        row = self._row(model_id)
        old = row["entry"]
        later = max(datetime.now(timezone.utc), old.time_updated + timedelta(microseconds=1))
        row["entry"] = replace(old, **copy.deepcopy(changes), time_updated=later, etag=uuid.uuid4().hex)
        return copy.deepcopy(row["entry"])

    def update(self, model_id, changes, etag, actor=None) -> ModelEntry:
        with self._lock:
            old = self._row(model_id)["entry"]
            if etag is not None and etag != old.etag:
                raise Conflict.stale(model_id, etag, old.etag)
            if not changes:
                return self.get(model_id)
            new = self._change(model_id, **changes)
            edited = hist.edited_changes({k: getattr(old, k) for k in changes}, changes)
            if edited:
                self._record(new, new.time_updated, actor, "edited", edited)
            return new

    def set_state(self, model_id, state, actor=None) -> ModelEntry:
        with self._lock:
            old_state = self._row(model_id)["entry"].lifecycle_state
            if old_state == state:
                return self.get(model_id)
            new = self._change(model_id, lifecycle_state=state)
            self._record(new, new.time_updated, actor, hist.state_action(state), hist.state_changes(old_state, state))
            return new

    def delete(self, model_id, actor=None) -> None:
        with self._lock:
            self._record(self._row(model_id)["entry"], datetime.now(timezone.utc), actor, "deleted", {})
            del self._rows[model_id]
            used = {m["sha256"] for r in self._rows.values() for m in r["entry"].manifest}
            for sha in set(self._blobs) - used:
                del self._blobs[sha]

    def artifact_files(self, entry, reuse_buffers=False) -> list[ArtifactFile]:
        return [ArtifactFile(m["path"], m["size"], m["sha256"], None, lambda m=m: self._chunks(entry, m))
                for m in entry.manifest]

    def _chunks(self, entry, item):
        with self._lock:
            stored = self._blobs.get(item["sha256"])
            if stored is None and entry.id not in self._rows:
                raise ModelNotFound(f"Model {entry.id} was deleted while its artifact was being read.",
                                    model_id=entry.id)
        if stored is None:
            raise DamagedArtifact(f"'{item['path']}' of model {entry.id} is missing.", model_id=entry.id)
        data, digests = stored
        for i, digest in enumerate(digests):
            chunk = data[i * CHUNK:(i + 1) * CHUNK]
            if hashlib.sha256(chunk).digest() != digest:
                raise DamagedArtifact(f"'{item['path']}' of model {entry.id} is damaged.", model_id=entry.id,
                                      path=item["path"])
            yield chunk

    def verify(self, model_id=None) -> list[dict]:
        with self._lock:
            entries = [self._row(model_id)["entry"]] if model_id else [r["entry"] for r in self._rows.values()]
        reports = []
        for entry in entries:
            for item in entry.manifest:
                data = self._blobs.get(item["sha256"], (None, []))[0]
                if data is None or hashlib.sha256(data).hexdigest() != item["sha256"]:
                    reports.append({"id": entry.id, "display_name": entry.display_name, "version": entry.version,
                                    "path": item["path"], "sha256": item["sha256"], "problem": "damaged"})
        return reports

    def stats(self) -> dict:
        with self._lock:
            by_state: dict[str, int] = {}
            for r in self._rows.values():
                by_state[r["entry"].lifecycle_state] = by_state.get(r["entry"].lifecycle_state, 0) + 1
            return {"models": len(self._rows), "by_state": by_state,
                    "stored_bytes": sum(len(b[0]) for b in self._blobs.values())}


def _contains(haystack: str | None, needle: str) -> bool:
    return needle.casefold() in (haystack or "").casefold()


def _matches(e: ModelEntry, q: ModelQuery) -> bool:
    checks = [
        q.state == "ALL" or e.lifecycle_state == q.state,
        not q.name or _contains(e.display_name, q.name),
        all(_contains(e.display_name, w) or _contains(e.description, w) for w in (q.text or "").split()),
        not q.created_by or e.created_by == q.created_by,
        not q.framework or normalize_framework(e.defined_metadata.get("Framework")) == normalize_framework(q.framework),
        not q.compartment_id or e.compartment_id == q.compartment_id,
        not q.project_id or e.project_id == q.project_id,
        not q.created_after or e.time_created >= q.created_after,
        not q.created_before or e.time_created < q.created_before,
        q.scope is None or q.scope.admits(e.compartment_id, e.project_id),
    ]
    for tag in q.tags:
        value = e.freeform_tags.get(tag.key)
        checks.append(value is not None and (tag.value is None or (value.startswith(tag.value) if tag.prefix
                                                                  else value == tag.value)))
    return all(checks)


def _sort_key(q: ModelQuery, row: dict) -> list:
    e = row["entry"]
    updated = int(e.time_updated.timestamp() * 1_000_000)
    return {"time_created": [], "time_updated": [updated], "name": [name_key(e.display_name)],
            "version": [e.version]}[q.sort] + [row["seq"]]


def open_memory_backend(url, artifact_root=None, **options) -> MemoryBackend:
    """The backend factory registered for ``memory://NAME``."""
    backend = _catalogs.get(url)
    if backend is None:
        backend = _catalogs[url] = MemoryBackend(url)
    return backend


@pytest.fixture
def memory_catalog_url():
    """``memory://<unique name>`` served by the in-memory backend, registered for the test."""
    from model_catalog_ext.catalog import register_backend, unregister_backend

    register_backend("memory", open_memory_backend)
    url = f"memory://{uuid.uuid4().hex[:12]}"
    yield url
    _catalogs.pop(url, None)
    unregister_backend("memory")
