"""Resumable uploads (``catalog/upload_sessions.py``): open a session, send each part with its
sha256, ask which parts are there, complete.

A part's body streams straight into the catalog's store as it arrives (flow-controlled: the
next bytes are read once the last ones are written), so neither memory nor the instance's
disk ever holds more than a few MiB of it, and any instance can take the next part.
"""
from __future__ import annotations

import base64
import binascii
import re

import tornado

from ...errors import InvalidInput
from .base import CatalogAPIHandler, NotAuthenticated

# What one write to the store takes: enough to keep the store busy, little to hold.
WRITE_BATCH = 1024 * 1024
_SHA256_DIGEST = re.compile(r"(?:^|,)\s*sha-256\s*=\s*:([A-Za-z0-9+/=]+):", re.IGNORECASE)


def announced_sha256(header: str | None) -> str | None:
    """The hex sha256 of an RFC 9530 ``Content-Digest: sha-256=:<base64>:`` header (None: absent)."""
    match = _SHA256_DIGEST.search(header or "")
    if match is None:
        return None
    try:
        digest = base64.b64decode(match[1], validate=True)
    except (binascii.Error, ValueError):
        return None
    return digest.hex() if len(digest) == 32 else None


class _UploadHandler(CatalogAPIHandler):
    def sessions(self):
        return self.catalog.upload_sessions()


class UploadsHandler(_UploadHandler):
    """POST uploads {metadata, files, resume_key, part_size}: open (or find again) an upload session."""

    @tornado.web.authenticated
    async def post(self):
        body = self.json_body(allowed={"metadata", "files", "resume_key", "part_size"},
                              required={"metadata", "files"})
        status = await self.run_blocking(self.sessions().open, self.user_name(), body["metadata"], body["files"],
                                         body.get("resume_key"), self.catalog_config.max_upload_size,
                                         body.get("part_size"))
        self.set_header("Location", f"{self.request.path.rstrip('/')}/{status['id']}")
        self.write_json(status, 201 if not status["received"] else 200)


class UploadHandler(_UploadHandler):
    """GET uploads/{id} (which parts are there) and DELETE uploads/{id} (drop it)."""

    @tornado.web.authenticated
    async def get(self, upload_id):
        self.write_json(await self.run_blocking(self.sessions().status, self.user_name(), upload_id))

    @tornado.web.authenticated
    async def delete(self, upload_id):
        await self.run_blocking(self.sessions().cancel, self.user_name(), upload_id)
        self.set_status(204)
        self.finish()


class UploadCompleteHandler(_UploadHandler):
    """POST uploads/{id}/complete: check every file against its sha256 and save the model."""

    @tornado.web.authenticated
    async def post(self, upload_id):
        entry = await self.run_blocking(self.sessions().complete, self.user_name(), upload_id)
        self.set_header("Location", f"{self.base_url.rstrip('/')}/model-catalog/api/models/{entry.id}")
        self.write_json(entry.to_dict(), 201)


@tornado.web.stream_request_body
class UploadPartHandler(_UploadHandler):
    """PUT uploads/{id}/files/{file}/parts/{part}: one part, with Content-Length and Content-Digest."""

    _writer = None
    _pending: bytearray | None = None
    _body_error: Exception | None = None

    async def prepare(self):
        await super().prepare()
        if self.request.method != "PUT":
            return
        if self.current_user is None:  # refuse strangers before a byte is stored
            raise NotAuthenticated()
        length = self.request.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise InvalidInput("Send each part with its Content-Length (not chunked).")
        sha256 = announced_sha256(self.request.headers.get("Content-Digest"))
        kwargs = self.path_kwargs
        file, number = int(kwargs["file"]), int(kwargs["part"])
        self._writer = await self.run_blocking(self.sessions().part_writer, self.user_name(), kwargs["upload_id"],
                                               file, number, sha256, int(length))
        self.request.connection.set_max_body_size(int(length))
        self._pending = bytearray()

    async def data_received(self, chunk: bytes) -> None:
        # A coroutine: tornado reads no more of the body until the store took these bytes.
        if self._writer is None or self._body_error is not None:
            return
        self._pending += chunk
        if len(self._pending) >= WRITE_BATCH:
            await self._flush()

    async def _flush(self) -> None:
        data, self._pending = bytes(self._pending), bytearray()
        try:
            await self.run_blocking(self._writer.write, data)
        except Exception as exc:  # too many bytes, or the store failed: answered in put()
            self._body_error = exc

    @tornado.web.authenticated
    async def put(self, upload_id, file, part):
        if self._body_error is None and self._pending:
            await self._flush()
        writer, self._writer = self._writer, None
        try:
            if self._body_error is not None:
                raise self._body_error
            await self.run_blocking(writer.finish)
        except BaseException:
            await self.run_blocking(writer.abort)
            raise
        sha256 = writer.sha256
        await self.run_blocking(self.sessions().part_received, upload_id, int(file), int(part), sha256)
        self.write_json({"file": int(file), "part": int(part), "size": writer.size, "sha256": sha256}, 201)

    def on_connection_close(self):
        # Cut short (a client gone, a proxy timeout): the part never appears.
        writer, self._writer = self._writer, None
        if writer is not None:
            tornado.ioloop.IOLoop.current().run_in_executor(None, writer.abort)
        super().on_connection_close()
