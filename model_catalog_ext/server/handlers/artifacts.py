"""An entry's artifact: the whole of it as a streamed zip, one file, or a copy into the file tree."""
from __future__ import annotations

import asyncio
import contextlib
import mimetypes
from pathlib import PurePosixPath

import tornado
from tornado.ioloop import IOLoop
from tornado.iostream import StreamClosedError

from ...errors import ForbiddenPath, InvalidInput
from ..byte_ranges import requested_range, sliced
from ..paths import resolve_api_path, to_api_path
from .base import CatalogAPIHandler

TEXT_SUFFIXES = {".py", ".txt", ".yaml", ".yml", ".json", ".md", ".cfg", ".toml", ".ini", ".csv", ""}


class _StreamingHandler(CatalogAPIHandler):
    async def stream(self, chunks) -> None:
        """Send an iterator of bytes or memoryviews (``reuse_buffers=True``: each stays valid
        until two more are asked for), pulling each chunk off the event loop."""
        loop = IOLoop.current()
        iterator = iter(chunks)
        upcoming = chunk = None
        try:
            # Ask for the next chunk before waiting for this one to drain, so reading and
            # checking overlap with sending (tornado allows only one flush in flight).
            upcoming = loop.run_in_executor(None, next, iterator, None)
            chunk = await upcoming  # a damaged first chunk still gets a proper error status
            if chunk is not None:
                await self.flush()  # the headers; the body goes straight to the connection
            while chunk is not None:
                upcoming = loop.run_in_executor(None, next, iterator, None)
                # RequestHandler.write() only takes bytes (a copy per chunk); the connection
                # takes the view as it is, and its future resolves once the bytes are sent.
                await self.request.connection.write(chunk)
                chunk = await upcoming
        except StreamClosedError:
            # The client went away (a cancelled download): nobody is left to tell.
            self.log.info("Download %s cut short: the client closed the connection.", self.request.path)
            return
        finally:
            # Cut short (the client left, a damaged chunk), the reader still holds the blob
            # file, its buffers and its threads: let go of them now, not when the garbage
            # collector gets to the traceback -- also when this request is cancelled.
            chunk = None
            try:
                if upcoming is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.shield(upcoming)  # a cancel must not skip the close below
            finally:
                if hasattr(iterator, "close"):
                    await asyncio.shield(loop.run_in_executor(None, iterator.close))
        # APIHandler.finish() sets application/json unless told otherwise: an empty file
        # (nothing flushed yet) would go out as JSON.
        self.finish(set_content_type=self._headers.get("Content-Type", "application/octet-stream"))

    def asked_range(self, size: int, etag: str) -> tuple[int, int] | None:
        """The headers of a download that may be asked for in part (Range), and the part asked
        for (first and last byte), if any."""
        span = requested_range(self.request.headers, size, etag)
        self.set_header("Accept-Ranges", "bytes")
        self.set_header("ETag", f'"{etag}"')
        if span is None:
            self.set_header("Content-Length", str(size))
            return None
        self.set_status(206)
        self.set_header("Content-Range", f"bytes {span[0]}-{span[1]}/{size}")
        self.set_header("Content-Length", str(span[1] - span[0] + 1))
        return span


class ArtifactZipHandler(_StreamingHandler):
    """GET models/{id}/artifact: the artifact as a zip, built while it streams."""

    @tornado.web.authenticated
    async def get(self, model_id):
        entry = await self.run_blocking(self.catalog.get, model_id)
        size = await self.run_blocking(self.catalog.zip_size, model_id)
        name = entry.zip_name
        self.set_header("Content-Type", "application/zip")
        self.set_header("Content-Disposition", f'attachment; filename="{name}"')
        # A known length: no chunked encoding (3x faster in tornado) and real browser progress.
        span = self.asked_range(size, entry.artifact_digest)
        first = span[0] if span else 0  # the files before it are not read (zipstream.iter_zip)
        chunks = await self.run_blocking(self.catalog.iter_zip, model_id, True, first)
        await self.stream(chunks if span is None else sliced(iter(chunks), 0, span[1] - first))


class ArtifactFileHandler(_StreamingHandler):
    """GET models/{id}/artifact/files/{path}: one file, e.g. score.py to show it."""

    @tornado.web.authenticated
    async def get(self, model_id, path):
        entry = await self.run_blocking(self.catalog.get, model_id)
        known = {item["path"]: item for item in entry.manifest}
        if path not in known:
            from ...errors import ModelNotFound

            raise ModelNotFound(
                f"The artifact of model '{model_id}' has no file '{path}'.",
                files=sorted(known)[:50],
            )
        suffix = PurePosixPath(path).suffix.lower()
        if suffix in TEXT_SUFFIXES:
            content_type = "text/plain; charset=utf-8"
        else:
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        self.set_header("Content-Type", content_type)
        span = self.asked_range(known[path]["size"], known[path]["sha256"])
        # A range is read from its first byte on, not from the file's (iter_file says what
        # is checked then); the bytes after its last are not read.
        first = span[0] if span else 0
        chunks = await self.run_blocking(self.catalog.iter_file, model_id, path, True, first)
        await self.stream(chunks if span is None else sliced(iter(chunks), 0, span[1] - first))


class DownloadToFolderHandler(CatalogAPIHandler):
    """POST models/{id}/download {path, force_overwrite}: unpack into the server's file tree."""

    @tornado.web.authenticated
    async def post(self, model_id):
        body = self.json_body(allowed={"path", "force_overwrite"}, required={"path"})
        force = body.get("force_overwrite", False)
        if not isinstance(force, bool):
            raise InvalidInput("force_overwrite must be true or false.")
        target = resolve_api_path(self.contents_manager, body["path"])
        if not getattr(self.contents_manager, "allow_hidden", False):
            refuse_hidden_entries(await self.run_blocking(self.catalog.get, model_id), body["path"])
        await self.run_blocking(self.catalog.download, model_id, target, force_overwrite=force)
        self.write_json({"path": to_api_path(self.contents_manager, target)})


# What an artifact may hold under a hidden name and still be written: ADS's list of files a
# save leaves out, which only a save reads (as text).
HARMLESS_HIDDEN = {".model-ignore"}


def refuse_hidden_entries(entry, api_path: str) -> None:
    """The server's hidden-path rule for every file a download writes, not only its target:
    an artifact holding ``.bashrc`` or ``.ipython/profile_default/startup/x.py`` unpacked into
    a root that is $HOME would run code in every later shell or kernel."""
    hidden = [m["path"] for m in entry.manifest
              if m["path"] not in HARMLESS_HIDDEN and any(part.startswith(".") for part in m["path"].split("/"))]
    if hidden:
        shown = ", ".join(hidden[:5]) + (f" and {len(hidden) - 5} more" if len(hidden) > 5 else "")
        raise ForbiddenPath(
            f"Model {entry.id} holds hidden files ({shown}), which this server does not write into its file "
            f"tree (c.ContentsManager.allow_hidden is False): unpacked into '{api_path}' they could be read as "
            "start-up files. Download the zip instead and look at them.", hidden=hidden[:50])
