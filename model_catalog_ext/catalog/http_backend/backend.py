"""``HttpBackend``: a ``CatalogBackend`` whose every call is a request to a catalog service.

The service runs ``CatalogService`` over its own backend, so the rules are applied there
again; here they were applied first, so a bad value is refused before any byte travels.
What the REST API has no route for is done with the ones it has: ``verify`` reads every
file back and checks its sha256 against the manifest.
"""
from __future__ import annotations

import builtins
import dataclasses
import functools
import hashlib
import json
import time
from typing import Any
from urllib.parse import quote

from ...errors import CatalogUnavailable, Conflict, DamagedArtifact, ModelNotFound
from ..entry import ModelEntry
from ..interface import ArtifactFile, BackendInfo, Capabilities, CatalogBackend, ProgressCallback
from ..query import ModelQuery, Page, TagFilter
from ..source import ArtifactSource
from . import resumable
from .hub_token import CATALOG_TOKEN_ENV, token_for
from .transport import Transport
from .upload import multipart_body

# Who a save is by, for a client the service trusts to say so (server/identity.py reads it).
AUTHOR_HEADER = "X-Model-Catalog-Author"
# Tries of one file's download when its transfer is cut short (each resumes where it stopped).
DOWNLOAD_ATTEMPTS = 3
_TEXT_FILTERS = ("text", "name", "created_by", "framework", "compartment_id", "project_id")


class HttpBackend(CatalogBackend):
    """The catalog of the service at ``url``; ``token`` (from the variable ``token_source``)
    authenticates this client."""

    def __init__(self, url: str, token: str | None, token_source: str = CATALOG_TOKEN_ENV):
        self._http = Transport(url, token, token_source=token_source)
        self.url = self._http.shown
        self.artifact_root = None
        self._capabilities: Capabilities | None = None
        self._upload_sessions = True  # until the service says it has none

    # --- which catalog ----------------------------------------------------------------------
    def info(self) -> BackendInfo:
        return BackendInfo("http", "Team catalog service", self.url)

    def capabilities(self) -> Capabilities:
        if self._capabilities is None:
            remote = self._http.call("GET", "capabilities")["capabilities"]
            known = {f.name for f in dataclasses.fields(Capabilities)}
            values = {k: v for k, v in remote.items() if k in known}
            values["sorts"] = tuple(values.get("sorts", ()))
            values["garbage_collection"] = False  # the service collects its own leftovers; no route for it
            self._capabilities = Capabilities(**values)
        return self._capabilities

    # --- reading ----------------------------------------------------------------------------
    def get(self, model_id: str) -> ModelEntry:
        return ModelEntry.from_dict(self._http.call("GET", "models", model_id))

    def list(self, query: ModelQuery) -> Page:
        data = self._http.call("GET", "models", params=[*list_params(query), ("include", "manifest")])
        items = data["items"]
        counts = {item["id"]: item["version_count"] for item in items if "version_count" in item}
        return Page([ModelEntry.from_dict(item) for item in items], data.get("next_page_token"),
                    total=data.get("total"), version_counts=counts)

    def versions(self, model_id: str) -> builtins.list[ModelEntry]:
        data = self._http.call("GET", "models", model_id, "versions", params=[("include", "manifest")])
        return [ModelEntry.from_dict(item) for item in data["items"]]

    # --- saving and changing ----------------------------------------------------------------
    # ``actor`` is not sent: the service records the user it authenticated (never a client's word).
    def save(self, values: dict[str, Any], source: ArtifactSource, base: ModelEntry | None,
             progress: ProgressCallback | None, actor: str | None = None) -> ModelEntry:
        metadata = {k: v for k, v in values.items() if k != "created_by"}
        if base is not None:
            metadata["as_new_version_of"] = base.id
        headers = {}
        if values.get("created_by"):
            headers[AUTHOR_HEADER] = quote(values["created_by"], safe="")
        if source.total_size >= resumable.RESUMABLE_FROM and self._upload_sessions:
            try:
                return ModelEntry.from_dict(resumable.ResumableUpload(self._http, metadata, source, headers,
                                                                      progress).run())
            except resumable.NoUploadSessions:
                self._upload_sessions = False
        content_type, body = multipart_body(metadata, source, progress)
        headers["Content-Type"] = content_type
        response = self._http.open("POST", self._http.path("models"), body, headers)
        try:
            return ModelEntry.from_dict(json.loads(response.read()))
        finally:
            response.close()

    def update(self, model_id: str, changes: dict[str, Any], etag: str | None,
               actor: str | None = None) -> ModelEntry:
        if not changes:  # the API refuses an empty edit; the contract answers with the entry
            entry = self.get(model_id)
            if etag is not None and etag != entry.etag:
                raise Conflict.stale(model_id, etag, entry.etag)
            return entry
        headers = {"If-Match": f'"{etag}"'} if etag is not None else {}
        return ModelEntry.from_dict(self._http.call("PATCH", "models", model_id, json_body=changes, headers=headers))

    def set_state(self, model_id: str, state: str, actor: str | None = None) -> ModelEntry:
        action = "activate" if state == "ACTIVE" else "deactivate"
        return ModelEntry.from_dict(self._http.call("POST", "models", model_id, action))

    def delete(self, model_id: str, actor: str | None = None) -> None:
        self._http.call("DELETE", "models", model_id)

    def history(self, model_id: str, all_versions: bool = False) -> builtins.list[dict]:
        params = [("all_versions", "true")] if all_versions else []
        return self._http.call("GET", "models", model_id, "history", params=params)["items"]

    # --- reading artifacts back -------------------------------------------------------------
    def artifact_files(self, entry: ModelEntry, reuse_buffers: bool = False) -> builtins.list[ArtifactFile]:
        return [ArtifactFile(item["path"], item["size"], item["sha256"], None, functools.partial(self._file_chunks,
                                                                                               entry, item))
                for item in entry.manifest]

    def _file_chunks(self, entry: ModelEntry, item: dict):
        """One file's bytes as the service streams them, checked once more here: the last
        chunk comes only if the whole file has the sha256 and size of the manifest."""
        digest, size, held = hashlib.sha256(), 0, None
        for chunk in self._resuming_stream(entry, item):
            digest.update(chunk)
            size += len(chunk)
            if held is not None:
                yield held
            held = chunk
        if size != item["size"] or digest.hexdigest() != item["sha256"]:
            raise DamagedArtifact(f"'{item['path']}' of model {entry.id} arrived from {self.url} with other bytes "
                                  "than were saved; nothing of it was kept. Try again.",
                                  model_id=entry.id, path=item["path"])
        if held is not None:
            yield held

    def _resuming_stream(self, entry: ModelEntry, item: dict):
        """One file's bytes; a transfer cut short goes on where it stopped (Range, If-Range
        with the file's sha256), a few times, before the failure is the caller's."""
        got = 0
        for attempt in range(DOWNLOAD_ATTEMPTS):
            try:
                for chunk in self._http.stream("models", entry.id, "artifact", "files", item["path"], offset=got,
                                               etag=item["sha256"]):
                    got += len(chunk)
                    yield chunk
                return
            except CatalogUnavailable:
                if attempt == DOWNLOAD_ATTEMPTS - 1 or got >= item["size"]:
                    raise
                time.sleep(0.2 * (attempt + 1))

    def verify(self, model_id: str | None = None) -> builtins.list[dict]:
        """Read every file back through the service (which checks each chunk against its
        digests) and check its sha256 here: one report per file that does not arrive intact."""
        entries = [self.get(model_id)] if model_id is not None else self._every_entry()
        reports = []
        for entry in entries:
            for item in entry.manifest:
                try:
                    for _ in self._file_chunks(entry, item):
                        pass
                except ModelNotFound:
                    break  # deleted meanwhile: nothing left to check
                except (DamagedArtifact, CatalogUnavailable) as exc:
                    reports.append({"id": entry.id, "display_name": entry.display_name, "version": entry.version,
                                    "path": item["path"], "sha256": item["sha256"],
                                    "problem": "damaged" if isinstance(exc, DamagedArtifact) else "unreadable"})
        return reports

    def _every_entry(self) -> builtins.list[ModelEntry]:
        found, token = [], None
        while True:
            page = self.list(ModelQuery(state="ALL", limit=1000, page_token=token).normalized())
            found += page.items
            if (token := page.next_page_token) is None:
                return found

    def stats(self) -> dict:
        return self._http.call("GET", "stats")


def list_params(query: ModelQuery) -> builtins.list[tuple[str, str]]:
    """GET models' query parameters for a normalized query (the service parses them back into
    the same query, so its page tokens fit)."""
    params = [("state", query.state), ("sort", query.sort), ("order", query.order or ""), ("limit", str(query.limit))]
    params += [(name, getattr(query, name)) for name in _TEXT_FILTERS if getattr(query, name)]
    params += [(name, getattr(query, name).isoformat()) for name in ("created_after", "created_before")
               if getattr(query, name) is not None]
    params += [("tag", tag_param(tag)) for tag in query.tags]
    if query.latest_only:
        params.append(("latest", "true"))
    if query.count_total:
        params.append(("total", "true"))
    if query.page_token:
        params.append(("page_token", query.page_token))
    return params


def tag_param(tag: TagFilter) -> str:
    """A tag filter as the API's ``tag`` parameter: ``key``, ``key=value`` or ``key=prefix*``."""
    if tag.value is None:
        return tag.key
    return f"{tag.key}={tag.value}{'*' if tag.prefix else ''}"


def open_http_backend(url: str, artifact_root: str | None = None, **options) -> HttpBackend:
    """The backend factory of ``http://`` and ``https://`` catalog URLs (``artifact_root``
    and the other options are the service's business and are ignored); the token: see hub_token.py."""
    token, source = token_for(url)
    return HttpBackend(url, token, source)
