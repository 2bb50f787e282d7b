"""Models: list, get, edit, (de)activate, delete, versions, history, upload."""
from __future__ import annotations

import dataclasses
import json
import sys

import tornado

from ...catalog import fields
from ...errors import CatalogError, InvalidArtifact, InvalidInput, PayloadTooLarge
from ..upload import ArtifactUpload, spool_folder_of
from ..zip_limit import unpack_guard
from .base import CatalogAPIHandler, NotAuthenticated

# Query parameters of GET models -> ModelQuery fields.
LIST_PARAMS = {
    "name": "name",
    "text": "text",
    "created_by": "created_by",
    "state": "state",
    "framework": "framework",
    "compartment_id": "compartment_id",
    "project_id": "project_id",
    "created_after": "created_after",
    "created_before": "created_before",
    "sort": "sort",
    "order": "order",
    "limit": "limit",
    "page_token": "page_token",
    "latest": "latest_only",
    "total": "count_total",
}
# From the field registry (catalog/fields.py), as openapi.yaml is (a test compares them).
EDITABLE_FIELDS = set(fields.EDITABLE)
# Fields a client might try to PATCH that belong to the immutable artifact: the core says why.
ARTIFACT_FIELDS = set(fields.ARTIFACT)
# What an upload's metadata may carry: what a save accepts, and the model it versions.
SAVE_FIELDS = set(fields.SAVE_METADATA) | {"as_new_version_of"}
# Past the upload limit, a chunked body (no Content-Length to refuse up front) is read and
# dropped for this much longer, so the client is still listening when the 413 comes.
DISCARD_ALLOWANCE = 64 * 1024 * 1024


def summary(entry) -> dict:
    """A listing row: everything but the manifest (which can be long)."""
    data = entry.to_dict()
    data.pop("manifest", None)
    return data


def listing_row(handler):
    """How a listing shows each entry: a summary, or (``include=manifest``: a client of the
    catalog service, whose listings hold whole entries) everything."""
    include = handler.get_query_argument("include", None)
    if include in (None, ""):
        return summary
    if include != "manifest":
        raise InvalidInput(f"include may only be 'manifest' (every field of each entry), not '{include}'.")
    return lambda entry: entry.to_dict()


def parse_list_query(handler) -> object:
    from ...catalog import parse_search

    known = set(LIST_PARAMS) | {"q", "tag", "include"}
    unknown = handler.unknown_query_params(known)
    if unknown:
        raise InvalidInput(
            f"Unknown query parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}."
        )
    filters = {}
    for param, field in LIST_PARAMS.items():
        value = handler.get_query_argument(param, None)
        if value is not None and value != "":
            filters[field] = value
    tags = handler.get_query_arguments("tag")
    if tags:
        filters["tags"] = tags
    # `text` is also what free words of `q` become: both narrow the search together.
    text = filters.pop("text", None)
    query = parse_search(handler.get_query_argument("q", None), **filters)
    if text:
        combined = " ".join(part for part in (query.text, text) if part)
        query = dataclasses.replace(query, text=combined).normalized()
    return query


@tornado.web.stream_request_body
class ModelsHandler(CatalogAPIHandler):
    """GET models (a page of the listing) and POST models (upload an artifact + metadata).

    An upload's body streams to a temporary file as it arrives, never into memory.
    """

    _upload: ArtifactUpload | None = None
    _limit = 0
    _received = 0

    async def prepare(self):
        await super().prepare()
        if self.request.method != "POST":
            return
        # Refuse strangers before a single byte of the body is stored.
        if self.current_user is None:
            raise NotAuthenticated()
        limit = self._limit = self.catalog_config.max_upload_size
        length = self.request.headers.get("Content-Length")
        if length is not None and length.isdigit() and int(length) > limit:
            raise self._too_large(int(length))
        # Tornado would cut a longer chunked body with a bare 400 -- as soon as one chunk's
        # header announces more, before a byte of it arrives: data_received counts instead.
        self.request.connection.set_max_body_size(sys.maxsize)
        self._upload = ArtifactUpload(
            self.request.headers.get("Content-Type", ""), self.get_query_argument("metadata", None),
            spool_folder_of(self.catalog),
        )

    def _too_large(self, size: int, at_least: bool = False) -> PayloadTooLarge:
        return PayloadTooLarge(
            f"The upload is {'more than ' if at_least else ''}{size} bytes; this server accepts at most "
            f"{self._limit} (c.ModelCatalogConfig.max_upload_size). Nothing was stored.",
            limit=self._limit,
        )

    _body_error: CatalogError | None = None

    def data_received(self, chunk: bytes) -> None:
        if self._upload is None or self._finished:
            return  # not an upload, or already answered
        self._received += len(chunk)
        if self._received > self._limit:
            if not isinstance(self._body_error, PayloadTooLarge):
                self._body_error = self._too_large(self._limit, at_least=True)
            if self._received > self._limit + DISCARD_ALLOWANCE:
                # Enough listening: answer now (tornado then closes the connection).
                self._handle_request_exception(self._body_error)
            return  # dropped: nothing past the limit is stored
        # An error here would only drop the connection; keep it and answer it in post().
        if self._body_error is None:
            try:
                self._upload.feed(chunk)
            except CatalogError as exc:
                self._body_error = exc

    def on_finish(self):
        if self._upload is not None:
            self._upload.cleanup()
            self._upload = None

    def on_connection_close(self):
        self.on_finish()
        super().on_connection_close()  # lets tornado stop waiting for the rest of the body

    @tornado.web.authenticated
    async def get(self):
        query = parse_list_query(self)
        row = listing_row(self)
        page = await self.run_blocking(self.catalog.list, query)
        # A kept page served again (share_listings) carries the JSON made the first time.
        form = f"listing:{self.get_query_argument('include', '')}"
        body = page.rendered.get(form)
        if body is None:
            items = [row(e) for e in page.items]
            if query.latest_only:
                for item in items:
                    item["version_count"] = page.version_counts.get(item["id"], 1)
            data = {"items": items, "next_page_token": page.next_page_token}
            if page.total is not None:
                data["total"] = page.total
            body = page.rendered[form] = json.dumps(data, default=str, allow_nan=False)
        self.set_header("Content-Type", "application/json")
        self.finish(body)

    @tornado.web.authenticated
    async def post(self):
        if self._body_error is not None:
            raise self._body_error
        metadata = self._upload.finish()
        unknown = sorted(set(metadata) - SAVE_FIELDS)
        if unknown:
            raise InvalidInput(
                f"Unknown metadata field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(SAVE_FIELDS))}."
            )
        if "display_name" not in metadata:
            raise InvalidInput("The metadata needs a display_name.")
        zip_path, limit = self._upload.zip_path, self.catalog_config.max_upload_unpacked_size
        # A damaged zip (a wrong CRC, a cut deflate stream) is the core's InvalidArtifact: a 422.
        try:
            entry = await self.run_blocking(
                self.catalog.save, zip_path, created_by=self.user_name(), progress=unpack_guard(limit), **metadata
            )
        except InvalidArtifact as exc:
            # The client sent bytes: its messages name the zip, not where this server spooled it.
            shown = self._upload.shown_name
            exc.message = exc.message.replace(str(zip_path), shown).replace(zip_path.name, shown)
            exc.details = {k: v.replace(str(zip_path), shown).replace(zip_path.name, shown) if isinstance(v, str)
                           else v for k, v in exc.details.items()}
            raise
        self.set_header("Location", self.request.path.rstrip("/") + "/" + entry.id)
        self.write_json(entry.to_dict(), 201)


class ModelHandler(CatalogAPIHandler):
    """GET / PATCH / DELETE models/{id}."""

    @tornado.web.authenticated
    async def get(self, model_id):
        entry = await self.run_blocking(self.catalog.get, model_id)
        self.set_header("ETag", f'"{entry.etag}"')
        self.write_json(entry.to_dict())

    @tornado.web.authenticated
    async def patch(self, model_id):
        changes = self.json_body()
        if "lifecycle_state" in changes:
            raise InvalidInput(
                f"lifecycle_state is not changed with PATCH: POST models/{model_id}/deactivate makes the "
                f"model INACTIVE, POST models/{model_id}/activate makes it ACTIVE again.",
                field="lifecycle_state",
            )
        unknown = sorted(set(changes) - EDITABLE_FIELDS - ARTIFACT_FIELDS)
        if unknown:
            raise InvalidInput(
                f"Unknown field(s) {', '.join(unknown)}; editable: {', '.join(sorted(EDITABLE_FIELDS))}.",
                unknown=unknown,
            )
        if not changes:
            raise InvalidInput("Nothing to change: send at least one editable field.")
        etag = await self._if_match(model_id)
        entry = await self.run_blocking(self.catalog.update, model_id, etag=etag, **changes)
        self.set_header("ETag", f'"{entry.etag}"')
        self.write_json(entry.to_dict())

    async def _if_match(self, model_id) -> str | None:
        """The etag the update must still find (None: any). If-Match may list several
        (RFC 9110): the current one is taken when listed, and the core checks it again as it
        writes; '*' matches any version."""
        header = self.request.headers.get("If-Match")
        if header is None:
            return None
        tags = [t.strip().removeprefix("W/").strip('"') for t in header.split(",") if t.strip()]
        if not tags or "*" in tags:
            return None
        if len(tags) > 1:
            current = (await self.run_blocking(self.catalog.get, model_id)).etag
            if current in tags:
                return current
        return tags[0]

    @tornado.web.authenticated
    async def delete(self, model_id):
        await self.run_blocking(self.catalog.delete, model_id)
        self.set_status(204)
        self.finish()


class ModelStateHandler(CatalogAPIHandler):
    """POST models/{id}/activate and models/{id}/deactivate."""

    @tornado.web.authenticated
    async def post(self, model_id, action):
        method = self.catalog.activate if action == "activate" else self.catalog.deactivate
        entry = await self.run_blocking(method, model_id)
        self.write_json(entry.to_dict())


class VersionsHandler(CatalogAPIHandler):
    """GET models/{id}/versions: the whole version set, ascending."""

    @tornado.web.authenticated
    async def get(self, model_id):
        row = listing_row(self)
        entries = await self.run_blocking(self.catalog.versions, model_id)
        self.write_json({"items": [row(e) for e in entries]})



class HistoryHandler(CatalogAPIHandler):
    """GET models/{id}/history: who changed the entry, when and what (``all_versions=true``:
    every version of the model), oldest first; also for a deleted entry."""

    @tornado.web.authenticated
    async def get(self, model_id):
        unknown = self.unknown_query_params({"all_versions"})
        if unknown:
            raise InvalidInput(f"Unknown query parameter(s) {', '.join(unknown)}; known: all_versions.")
        flag = self.get_query_argument("all_versions", "false")
        if flag not in ("true", "false"):
            raise InvalidInput(f"all_versions must be 'true' or 'false', not '{flag[:40]}'.")
        records = await self.run_blocking(self.catalog.history, model_id, flag == "true")
        self.write_json({"items": records})
