"""An artifact as the one zip OCI keeps per model: streamed up, and read back file by file.

Up: the files are read twice, never held whole in memory.  The first pass computes each
file's sha256 and CRC-32 (the manifest, and zip headers known in advance, so the zip's exact
length is known: OCI needs a content-length); the second streams the zip (STORED entries,
``zipstream``) to OCI while computing the CRC-32 again, and a file whose size or CRC differs
from the first pass stops the upload (it changed while being saved).  The stream can rewind to its start, which
is how the SDK retries a dropped upload.

The first pass also computes each file's BLAKE3-256 (when the ``blake3`` package is there),
recorded next to its sha256: a download checks that instead.  On the 2 cores we measure on,
with the service's sender on one of them, sha256 (~1.6 GB/s) was the whole gap between our
download and a bare SDK one (0.42x); BLAKE3 (~5 GB/s, as strong) costs about a tenth of it.
Models saved without one (before, or without the package) are checked with sha256.

Down: each file's bytes are a ``range`` of the stored zip (its offset is recorded at save
time), streamed in chunks and hashed on the way; files read one after the other share one
streamed response (a whole download is one request, however many files).  The last chunk of a file is held back
until the whole file's digest and size are checked, so a damaged or swapped file raises
:class:`DamagedArtifact` before its last chunk is yielded, and a file of up to one chunk
(4 MiB) is never handed out unchecked at all.  A connection dropped mid-file resumes with a
``range`` from the byte it stopped at.
"""
from __future__ import annotations

import hashlib
import io
import json
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ...errors import CatalogError, DamagedArtifact, ModelNotFound
from ..hashing import crc32
from ..source import ArtifactSource, SourceFile, changed_while_saving
from ..zipstream import ZIP64_LIMIT, iter_zip, zip_length

_blake3: Any
try:
    from blake3 import blake3 as _blake3
except ImportError:  # pragma: no cover - blake3 is a dependency, but not a hard one
    _blake3 = None

CHUNK = 4 * 1024 * 1024
READ = 1024 * 1024


MANIFEST_MEMBER = ".model-catalog-ext/manifest.json"


@dataclass
class PlannedFile:
    source: SourceFile
    path: str
    size: int
    sha256: str
    crc32: int
    blake3: str | None = None  # what a download checks, when there is one
    offset: int = 0  # where the file's bytes start in the zip
    counted: bool = True  # one of the artifact's files (progress counts these), not our manifest


def plan_zip(source: ArtifactSource) -> tuple[list[PlannedFile], int]:
    """Hash every file (first pass) and lay out the zip: the files and the zip's length."""
    planned = []
    for f in source.files:
        sha: Any = _Sha256Behind() if f.size > CHUNK else hashlib.sha256()  # hashing overlaps reading
        # BLAKE3 here, beside the sha256 thread: no upload runs yet, so it has a core to itself.
        fast = _blake3() if _blake3 is not None else None
        crc, size = 0, 0
        try:
            with f.open() as stream:
                while chunk := stream.read(READ):
                    sha.update(chunk)
                    if fast is not None:
                        fast.update(chunk)
                    crc = crc32(chunk, crc)
                    size += len(chunk)
        finally:
            if isinstance(sha, _Sha256Behind):
                sha.close()
        planned.append(PlannedFile(f, f.path, size, sha.hexdigest(), crc,
                                   fast.hexdigest() if fast is not None else None))
    return planned, lay_out(planned)


def lay_out(planned: list[PlannedFile]) -> int:
    """Set each file's offset in the zip; the zip's length."""
    offset = 0
    for p in planned:
        header = 30 + len(p.path.encode("utf-8")) + (20 if p.size >= ZIP64_LIMIT else 0)
        p.offset = offset + header
        offset += header + p.size
    return zip_length((p.path, p.size, True) for p in planned)


def manifest_member(data: bytes) -> PlannedFile:
    """Our manifest as the zip's last member (when it is too long for the model's metadata)."""
    return PlannedFile(SourceFile(MANIFEST_MEMBER, len(data), lambda: io.BytesIO(data)), MANIFEST_MEMBER, len(data),
                       hashlib.sha256(data).hexdigest(), crc32(data), counted=False)


def blake3_digest(rows: list) -> str | None:
    """sha256 of the files' BLAKE3 digests with their paths (manifest rows ``[path, size,
    sha256, crc32, offset, blake3]``), kept in the record beside the manifest's own digest
    (which stays sha256-only: it is the artifact's identity in every backend) so that an
    edited BLAKE3 shows as an edited manifest.  None when no row has one."""
    pairs = sorted([row[0], row[5]] for row in rows if len(row) > 5)
    if not pairs:
        return None
    return hashlib.sha256(json.dumps(pairs, separators=(",", ":")).encode()).hexdigest()


class ZipUpload(io.RawIOBase):
    """The zip of planned files as a readable, rewindable stream of known length (the SDK's
    request body).  ``progress(done, total)`` follows the files' bytes, never going back on a
    retry.  An error met while reading (a file that changed) is kept in ``error``: the HTTP
    layer only sees a failed upload."""

    def __init__(self, planned: list[PlannedFile], length: int, progress: Callable[[int, int], None] | None):
        super().__init__()
        self.planned, self.length, self.progress = planned, length, progress
        self.total = sum(p.size for p in planned if p.counted)
        self.error: BaseException | None = None
        self._reported = 0
        self._start()

    def _start(self) -> None:
        # The piece being sent and how much of it was read: the HTTP layer reads 16 KiB at a
        # time, and slicing the rest of a 1 MiB piece off on every read copied it 64 times.
        self._position, self._piece, self._offset, self._done = 0, b"", 0, 0
        self._chunks = iter_zip((p.path, p.size, p.crc32, lambda p=p: self._file(p)) for p in self.planned)

    def _file(self, planned: PlannedFile) -> Iterator[bytes]:
        # Checked against the first pass by CRC-32 and size (a changed file shows in either;
        # the CRC costs ~1/20 of a second sha256 pass), the sha256 itself comes from the first pass.
        crc, size = 0, 0
        with planned.source.open() as stream:
            while chunk := stream.read(READ):
                crc = crc32(chunk, crc)
                size += len(chunk)
                if size > planned.size:
                    break
                if planned.counted:
                    self._done += len(chunk)
                if self.progress and self._done > self._reported:
                    self._reported = self._done
                    self.progress(self._done, self.total)
                yield chunk
        if size != planned.size or crc != planned.crc32:
            raise changed_while_saving(planned.path)

    def __len__(self) -> int:
        return self.length

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = {io.SEEK_SET: offset, io.SEEK_CUR: self._position + offset, io.SEEK_END: self.length + offset}[whence]
        if target == self._position:
            return target
        if target != 0:
            raise OSError("The artifact upload can only rewind to its start.")
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        self._start()
        return 0

    def read(self, size: int = -1) -> bytes:
        parts, wanted = [], size
        while size < 0 or wanted > 0:
            if self._offset == len(self._piece):
                try:
                    piece = next(self._chunks, None)
                except CatalogError as exc:
                    self.error = exc
                    raise OSError(str(exc)) from exc
                if piece is None:
                    break
                self._piece, self._offset = piece, 0
                continue
            end = len(self._piece) if size < 0 else min(len(self._piece), self._offset + wanted)
            part = self._piece[self._offset:end] if (self._offset or end < len(self._piece)) else self._piece
            parts.append(part)
            self._offset = end
            wanted -= len(part)
        out = parts[0] if len(parts) == 1 else b"".join(parts)  # one part: no copy at all
        self._position += len(out)
        return out

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


SKIP_LIMIT = 1024 * 1024  # read past up to this many bytes rather than ask for a new range


class RangeReader:
    """Byte ranges of the stored zip, reusing one streamed response while each range asked
    for starts at (or a little after) where the last one ended.  ``open_range(start, end)``
    returns a raw stream (``read(n)``, ``close()``) of bytes ``start..end`` inclusive."""

    def __init__(self, open_range: Callable[[int, int], Any], end: int):
        self._open, self._end = open_range, end
        self._stream: Any = None
        self._position = 0

    def fetch(self, start: int, end: int) -> Iterator[bytes]:
        """Bytes ``start..end`` (inclusive); a broken stream raises ConnectionError."""
        if self._stream is None or not self._position <= start <= self._position + SKIP_LIMIT:
            self.close()
            self._stream, self._position = self._open(start, max(end, self._end)), start
        finished = False
        try:
            while self._position < start:
                self._position += len(self._read(min(READ, start - self._position)))
            left = end - start + 1
            while left > 0:
                data = self._read(min(CHUNK, left))
                self._position += len(data)
                left -= len(data)
                yield data
            finished = True
        finally:
            if not finished:  # abandoned or broken: its position is no longer known
                self.close()

    def _read(self, count: int) -> bytes:
        try:
            data = self._stream.read(count)
        except Exception as exc:  # the transport's own errors (urllib3's are not OSErrors)
            raise ConnectionError(f"the download broke off: {exc}") from None
        if not data:
            raise ConnectionError("the download ended early")
        return data

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.close()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail too
                pass


def checked_chunks(fetch: Callable[[int, int], Iterator[bytes]], model_id: str, path: str, offset: int, size: int,
                   sha256: str, attempts: int = 3, blake3: str | None = None) -> Iterator[bytes]:
    """The bytes of one file at ``offset`` in the stored zip, checked (see the module doc)
    against its ``blake3`` when it has one recorded (and the package is there), else its
    ``sha256``.  ``fetch(start, end)`` streams bytes ``start..end`` (inclusive) of the zip;
    a stream that breaks off is resumed from where it stopped, up to ``attempts`` times."""
    if size == 0:
        if sha256 != hashlib.sha256(b"").hexdigest():
            raise _damaged(model_id, path, "is empty in the manifest but its digest is not")
        return
    if blake3 and _blake3 is not None:
        # Hashed on this thread: at ~5 GB/s a thread's hand-offs cost more than they overlap.
        yield from _checked(fetch, model_id, path, offset, size, blake3, "BLAKE3", attempts, _blake3())
        return
    digest = _Sha256Behind() if size > CHUNK else hashlib.sha256()
    try:
        yield from _checked(fetch, model_id, path, offset, size, sha256, "sha256", attempts, digest)
    finally:
        if isinstance(digest, _Sha256Behind):
            digest.close()


def _checked(fetch, model_id: str, path: str, offset: int, size: int, expected: str, name: str, attempts: int,
             digest) -> Iterator[bytes]:
    got, held, failures = 0, None, 0
    while got < size:
        try:
            for piece in fetch(offset + got, offset + size - 1):
                if not piece:
                    continue
                if got + len(piece) > size:
                    raise _damaged(model_id, path, "is longer than recorded")
                digest.update(piece)
                got += len(piece)
                if held is not None:
                    yield held
                held = piece
        except (ModelNotFound, DamagedArtifact):
            raise
        except CatalogError:
            raise
        except (ConnectionError, OSError, ValueError) as exc:
            failures += 1
            if failures >= attempts:
                raise _broken(model_id, path, exc) from None
            continue
        if got < size:  # the service ended the range early
            failures += 1
            if failures >= attempts:
                raise _damaged(model_id, path, f"came back {got} bytes short of {size}")
    if digest.hexdigest() != expected:
        raise _damaged(model_id, path, f"does not match the {name} recorded when it was saved")
    if held is not None:
        yield held


class _Sha256Behind:
    """sha256 on a thread of its own (hashlib lets go of the GIL), so a large file's hashing
    overlaps the network read of its next chunk and the caller's write of the last: a
    download then runs near the bare SDK's speed instead of network + hash time.  At most
    ``DEPTH`` chunks wait (16 MiB), so a slow hash slows the download rather than filling
    memory."""

    DEPTH = 4

    def __init__(self):
        self._sha = hashlib.sha256()
        self._queue: queue.Queue = queue.Queue(self.DEPTH)
        self._thread = threading.Thread(target=self._run, name="oci-sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (chunk := self._queue.get()) is not None:
            self._sha.update(chunk)

    def update(self, chunk: bytes) -> None:
        self._queue.put(chunk)

    def hexdigest(self) -> str:
        self.close()
        return self._sha.hexdigest()

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()


def _damaged(model_id: str, path: str, why: str) -> DamagedArtifact:
    return DamagedArtifact(
        f"'{path}' of model {model_id} {why}: the artifact stored in OCI was damaged or replaced since it was saved, "
        "and is refused. Save the model again from its source.", model_id=model_id, path=path)


def _broken(model_id: str, path: str, exc: BaseException):
    from ...errors import CatalogUnavailable

    return CatalogUnavailable(f"Reading '{path}' of model {model_id} from OCI kept failing ({exc}); try again.",
                              model_id=model_id, path=path)
