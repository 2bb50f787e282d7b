"""A large save as a resumable upload (``POST uploads`` ... ``complete``): each part of each
file sent on its own with its sha256, so a dropped connection or a service instance that
died costs one part, not the whole artifact.

The session is found again from its ``resume_key`` (made from the metadata and the
manifest), so a save that failed part-way and is run again -- in another process, through
another instance behind the load balancer -- sends only the parts that are missing.
Nothing is held in memory beyond one chunk: each file is read once to hash it (whole and
per part) and once more to send it.
"""
from __future__ import annotations

import functools
import hashlib
import json
import time
from base64 import b64encode
from collections.abc import Iterator
from typing import BinaryIO

from ...errors import CatalogUnavailable, InvalidInput, ModelNotFound, Unsupported
from ..interface import ProgressCallback
from ..source import ArtifactSource, SourceFile
from .transport import CHUNK, Transport

# Artifacts this big or bigger go in parts (smaller ones: one request, which is faster).
RESUMABLE_FROM = 32 * 1024 * 1024
PART_SIZE = 64 * 1024 * 1024
# Tries of each step when the service cannot be reached, and the first wait between them
# (doubled each time: 0.5 + 1 + 2 + 4 + 8 s, enough for an instance to be replaced).
ATTEMPTS = 6
FIRST_WAIT = 0.5
COMPLETE_WAIT = 3600  # seconds to wait for a complete already running (gigabytes to check)


class NoUploadSessions(Exception):
    """The service takes whole artifacts only: save in one request."""


class ResumableUpload:
    """One save of ``source`` with ``metadata`` through the service's upload sessions."""

    def __init__(self, http: Transport, metadata: dict, source: ArtifactSource, headers: dict,
                 progress: ProgressCallback | None, part_size: int | None = None):
        self.http, self.metadata, self.source = http, metadata, source
        self.headers, self.progress = headers, progress
        self.part_size = part_size or PART_SIZE
        self.digests: dict[str, tuple[str, list[str]]] = {}  # path -> (sha256, part sha256s)
        self.sent_parts = 0  # parts this run sent (what a resumed upload did not need to)

    def run(self) -> dict:
        """Upload and complete; the saved entry as the service answers it."""
        manifest = self._hash_files()
        request = {"metadata": self.metadata, "files": manifest, "part_size": self.part_size}
        request["resume_key"] = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()
        try:
            status = self._retrying(lambda: self.http.call("POST", "uploads", json_body=request,
                                                           headers=self.headers))
        except (ModelNotFound, Unsupported) as exc:  # a service without the route, or a catalog without parts
            raise NoUploadSessions() from exc
        upload = status["id"]
        for attempt in range(ATTEMPTS):
            received = {(f, n) for f, n, _ in status["received"]}
            self._send_missing(upload, status["files"], received)
            try:
                return self._retrying(lambda: self.http.call("POST", "uploads", upload, "complete",
                                                             headers=self.headers))
            except InvalidInput as exc:  # parts lost meanwhile (an instance killed mid-write): send them
                if not exc.details.get("missing") or attempt == ATTEMPTS - 1:
                    raise
            except CatalogUnavailable as exc:  # our earlier complete still runs (its answer was lost)
                if not exc.details.get("completing"):
                    raise
                made = self._wait_for_model(upload)
                if made is not None:
                    return made
            status = self._retrying(lambda: self.http.call("GET", "uploads", upload, headers=self.headers))
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_for_model(self, upload: str) -> dict | None:
        """The model an earlier complete of ``upload`` makes, once it is made (None: that
        complete ended without one; completing again may say why)."""
        deadline = time.monotonic() + COMPLETE_WAIT
        while time.monotonic() < deadline:
            time.sleep(2)
            status = self._retrying(lambda: self.http.call("GET", "uploads", upload, headers=self.headers))
            if status.get("model_id"):
                return self._retrying(functools.partial(self.http.call, "GET", "models", status["model_id"],
                                                        headers=self.headers))
            if not status.get("completing"):
                return None
        raise CatalogUnavailable(f"The upload {upload} was still being completed after {COMPLETE_WAIT} s; save "
                                 "again later: it will find the same upload, or the model it made.")

    # --- hashing --------------------------------------------------------------------------
    def _hash_files(self) -> list[dict]:
        manifest = []
        for f in self.source.files:
            whole, parts, part, in_part = hashlib.sha256(), [], hashlib.sha256(), 0
            with f.open() as stream:
                while chunk := stream.read(min(CHUNK, self.part_size - in_part)):
                    whole.update(chunk)
                    part.update(chunk)
                    in_part += len(chunk)
                    if in_part == self.part_size:
                        parts.append(part.hexdigest())
                        part, in_part = hashlib.sha256(), 0
            if in_part:
                parts.append(part.hexdigest())
            self.digests[f.path] = (whole.hexdigest(), parts)
            manifest.append({"path": f.path, "size": f.size, "sha256": whole.hexdigest()})
        return manifest

    # --- sending ----------------------------------------------------------------------------
    def _send_missing(self, upload: str, files: list[dict], received: set) -> None:
        total = self.source.total_size
        done = 0
        by_path = {f.path: f for f in self.source.files}
        for index, item in enumerate(files):
            source_file = by_path[item["path"]]
            for number in range(item["parts"]):
                length = min(self.part_size, item["size"] - number * self.part_size)
                if (index, number) not in received:
                    self._retrying(functools.partial(self._send_part, upload, index, number, source_file, length))
                    self.sent_parts += 1
                done += length
                if self.progress:
                    self.progress(done, total)

    def _send_part(self, upload: str, index: int, number: int, source_file: SourceFile, length: int) -> None:
        sha256 = self.digests[source_file.path][1][number]
        headers = {**self.headers, "Content-Length": str(length), "Content-Type": "application/octet-stream",
                   "Content-Digest": f"sha-256=:{b64encode(bytes.fromhex(sha256)).decode()}:"}
        target = self.http.path("uploads", upload, "files", str(index), "parts", str(number))
        with source_file.open() as stream:
            _seek(stream, number * self.part_size)
            response = self.http.open("PUT", target, _chunks(stream, length), headers)
            try:
                response.read()
            finally:
                response.close()

    def _retrying(self, step):
        """``step()``, tried again while the service cannot be reached or answers 503."""
        wait = FIRST_WAIT
        for attempt in range(ATTEMPTS):
            try:
                return step()
            except CatalogUnavailable as exc:
                if exc.details.get("status") in (401, 403) or exc.details.get("completing") or attempt == ATTEMPTS - 1:
                    raise
                time.sleep(min(exc.details.get("retry_after") or wait, 30))
                wait *= 2
        raise AssertionError("unreachable")  # pragma: no cover


def _seek(stream: BinaryIO, offset: int) -> None:
    """Go to ``offset``: by seeking when the stream can, else by reading past."""
    if offset == 0:
        return
    seek = getattr(stream, "seek", None)
    if seek is not None:
        seek(offset)
        return
    while offset > 0:
        skipped = stream.read(min(CHUNK, offset))
        if not skipped:
            return
        offset -= len(skipped)


def _chunks(stream: BinaryIO, length: int) -> Iterator[bytes]:
    left = length
    while left > 0:
        chunk = stream.read(min(CHUNK, left))
        if not chunk:
            return  # the file shrank: the service refuses the short part
        left -= len(chunk)
        yield chunk
