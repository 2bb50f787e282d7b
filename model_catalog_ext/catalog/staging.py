"""Where the parts of a resumable upload wait: next to the blobs, in the same store.

An upload session (see ``upload_sessions.py``) is a folder ``uploads/<id>/`` of the blob
store: ``session.json`` says what is being uploaded, and each part that arrived whole and
with the sha256 its client announced is one object ``<file>.<part>.<sha256>``.  So every
service instance sees the same sessions (nothing lives on one instance's disk), and a part
object exists only once its bytes were checked: a part cut short by a dropped connection
or a killed service never appears (an object store shows an object when its upload
completes; a local store renames a finished, fsync'ed file into place).

Publishing a file of a session reads its parts in order, hashes them (sha256, the chunk
digests and the CRC the blobs table records) -- unless the process that received them hashed
them as they came (``upload_digests.py``) -- and only when they make the announced sha256
gives them the blob's content address: on S3 by assembling the part objects server-side
(no byte travels through the service again), on a local disk by the copy it wrote while
hashing.  An intact blob already stored under that address is left as it is.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
import uuid
from typing import BinaryIO, cast

from .blobstore import BlobStore, FsspecBlobStore, LocalBlobStore, StoredBlob, _discard, _fsync_dir
from .filewrite import write_all
from .hashing import ChunkHasher
from .upload_parts import FileDigests, PartMismatch, PartWriter, StagedPart

SESSION_FILE = "session.json"
_PART_NAME = re.compile(r"^(\d+)\.(\d+)\.([0-9a-f]{64})$")
# S3 assembles objects server-side only from parts of at least 5 MiB (but the last).
S3_MIN_PART = 5 * 1024 * 1024
_WRITE_BLOCK = 8 * 1024 * 1024  # what an object store's writer buffers before it sends


class Staging:
    """The ``uploads/`` folder of a blob store."""

    def __init__(self, blobs: BlobStore):
        self.blobs = blobs

    # --- primitives, per kind of store ------------------------------------------------------
    def _write_small(self, session: str, name: str, data: bytes) -> None:
        raise NotImplementedError

    def _read_small(self, session: str, name: str) -> bytes | None:
        raise NotImplementedError

    def _list(self, session: str) -> list[tuple[str, int]]:
        """``(name, size)`` of the session's objects (empty when there is no such session)."""
        raise NotImplementedError

    def _open(self, session: str, name: str) -> BinaryIO:
        raise NotImplementedError

    def part_writer(self, session: str, file: int, number: int, size: int, sha256: str) -> PartWriter:
        raise NotImplementedError

    def delete_session(self, session: str) -> None:
        raise NotImplementedError

    def sessions(self) -> list[tuple[str, float]]:
        """``(id, time of its last change)`` of every session."""
        raise NotImplementedError

    def _publish(self, name: str, parts: list[StagedPart], session: str, size: int, sha256: str,
                 known: FileDigests | None) -> StoredBlob:
        raise NotImplementedError

    # --- shared -----------------------------------------------------------------------------
    def write_session(self, session: str, data: dict) -> None:
        self._write_small(session, SESSION_FILE, json.dumps(data, sort_keys=True).encode())

    def read_session(self, session: str) -> dict | None:
        raw = self._read_small(session, SESSION_FILE)
        return None if raw is None else json.loads(raw)

    def write_marker(self, session: str, name: str, data: dict) -> None:
        self._write_small(session, name, json.dumps(data).encode())

    def read_marker(self, session: str, name: str) -> dict | None:
        raw = self._read_small(session, name)
        return None if raw is None else json.loads(raw)

    def remove_marker(self, session: str, name: str) -> None:
        self._remove(session, name)

    def parts(self, session: str) -> list[StagedPart]:
        """The parts that arrived whole, by file and number (one per number: the same part
        sent twice with the same bytes has one name)."""
        found = []
        for name, size in self._list(session):
            match = _PART_NAME.match(name)
            if match:
                found.append(StagedPart(int(match[1]), int(match[2]), match[3], size))
        return sorted(found, key=lambda p: (p.file, p.number, p.sha256))

    def remove_part(self, session: str, part: StagedPart) -> None:
        self._remove(session, _part_name(part))

    def remove_parts(self, session: str) -> None:
        """Remove every part of the session (its record and markers stay)."""
        for part in self.parts(session):
            self._remove(session, _part_name(part))

    def _remove(self, session: str, name: str) -> None:
        raise NotImplementedError

    def open_parts(self, session: str, parts: list[StagedPart]) -> BinaryIO:
        """The parts' bytes in order, as one readable file."""
        return cast(BinaryIO, _Concatenated([lambda p=p: self._open(session, _part_name(p)) for p in parts]))

    def publish(self, session: str, path: str, parts: list[StagedPart], size: int, sha256: str,
                known: FileDigests | None = None) -> StoredBlob:
        """Give the bytes of ``parts`` (in order) the content address ``sha256`` once they are
        found to be exactly those bytes; PartMismatch (nothing published) otherwise.
        ``known``: their digests, taken as they arrived (``upload_digests.py``): checked
        instead of reading the parts back to hash them."""
        if not parts:
            if size or sha256 != hashlib.sha256(b"").hexdigest():
                raise PartMismatch("no part of it arrived")
            return self.blobs.put(path, lambda: self.open_parts(session, []), 0)
        return self._publish(path, parts, session, size, sha256, known if known and known.size == size else None)

    def collect(self, cutoff: float) -> int:
        """Remove the sessions last changed before ``cutoff`` (epoch seconds); how many."""
        removed = 0
        for session, changed in self.sessions():
            if changed < cutoff:
                self.delete_session(session)
                removed += 1
        return removed


def _part_name(part: StagedPart) -> str:
    return f"{part.file}.{part.number}.{part.sha256}"


def part_name(file: int, number: int, sha256: str) -> str:
    return _part_name(StagedPart(file, number, sha256, 0))


def _hash_parts(staging: Staging, session: str, parts: list[StagedPart], size: int,
                sink=None) -> tuple[str, bytes, int]:
    """sha256, chunk digests and CRC of the parts' bytes (each chunk also given to ``sink``)."""
    hasher = ChunkHasher(staging.blobs.chunk_size)
    try:
        with staging.open_parts(session, parts) as src:
            while chunk := src.read(staging.blobs.chunk_size):
                hasher.update(chunk)
                if sink is not None:
                    sink(chunk)
        sha, digests = hasher.finish()
    except BaseException:
        hasher.abort()
        raise
    if hasher.size != size:
        raise PartMismatch(f"its parts hold {hasher.size} bytes, not {size}")
    return sha, digests, hasher.crc32


def _copy_parts(staging: Staging, session: str, parts: list[StagedPart], out) -> None:
    with staging.open_parts(session, parts) as src:
        while chunk := src.read(staging.blobs.chunk_size):
            write_all(out, chunk)


def _check(got: str, announced: str) -> None:
    if got != announced:
        raise PartMismatch(f"its parts make the sha256 {got}, not the {announced} announced (a part in the "
                           "wrong place, or a manifest that does not describe the file)")


class _Concatenated:
    """Several files read one after the other (each opened when reached)."""

    def __init__(self, openers):
        self._openers = list(openers)
        self._current: BinaryIO | None = None

    def read(self, n: int = -1) -> bytes:
        out = bytearray()
        while n < 0 or len(out) < n:
            if self._current is None:
                if not self._openers:
                    break
                self._current = self._openers.pop(0)()
            data = self._current.read(-1 if n < 0 else n - len(out))
            if not data:
                self._current.close()
                self._current = None
                continue
            out += data
        return bytes(out)

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None
        self._openers = []

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --- a local blob store ---------------------------------------------------------------------
class LocalStaging(Staging):
    blobs: LocalBlobStore

    def __init__(self, blobs: LocalBlobStore):
        super().__init__(blobs)
        self.root = os.path.join(blobs.root, "uploads")
        os.makedirs(self.root, exist_ok=True)

    def _folder(self, session: str) -> str:
        return os.path.join(self.root, session)

    def _write_small(self, session: str, name: str, data: bytes) -> None:
        os.makedirs(self._folder(session), exist_ok=True)
        tmp = os.path.join(self.blobs._tmp, f"{uuid.uuid4().hex}.part")
        try:
            with open(tmp, "xb") as f:
                write_all(f, data)
                os.fsync(f.fileno())
            os.replace(tmp, os.path.join(self._folder(session), name))
            _fsync_dir(self._folder(session))
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def _read_small(self, session: str, name: str) -> bytes | None:
        try:
            with open(os.path.join(self._folder(session), name), "rb") as f:
                return f.read()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def _list(self, session: str) -> list[tuple[str, int]]:
        try:
            with os.scandir(self._folder(session)) as entries:
                return [(e.name, e.stat().st_size) for e in entries if e.is_file()]
        except (FileNotFoundError, NotADirectoryError):
            return []

    def _open(self, session: str, name: str) -> BinaryIO:
        return open(os.path.join(self._folder(session), name), "rb")

    def _remove(self, session: str, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(self._folder(session), name))

    def part_writer(self, session: str, file: int, number: int, size: int, sha256: str) -> PartWriter:
        return _LocalPartWriter(self, session, file, number, size, sha256)

    def delete_session(self, session: str) -> None:
        folder = self._folder(session)
        for name, _ in self._list(session):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(folder, name))
        with contextlib.suppress(OSError):
            os.rmdir(folder)

    def sessions(self) -> list[tuple[str, float]]:
        found = []
        for name in os.listdir(self.root):
            folder = self._folder(name)
            with contextlib.suppress(FileNotFoundError):
                times = [os.stat(folder).st_mtime] + [e.stat().st_mtime for e in os.scandir(folder)]
                found.append((name, max(times)))
        return found

    def _publish(self, name: str, parts: list[StagedPart], session: str, size: int, sha256: str,
                 known: FileDigests | None) -> StoredBlob:
        tmp, out = self.blobs._new_tmp()
        try:
            with out:
                if known is not None:  # hashed as they arrived: copied, not hashed again
                    _copy_parts(self, session, parts, out)
                    sha, digests, crc = known.sha256, known.chunk_digests, known.crc32
                else:
                    sha, digests, crc = _hash_parts(self, session, parts, size, lambda chunk: write_all(out, chunk))
                os.fsync(out.fileno())
            _check(sha, sha256)
            written = self.blobs._publish(tmp, sha)
            return StoredBlob(sha, size, digests, written, crc)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


class _LocalPartWriter(PartWriter):
    def __init__(self, staging: LocalStaging, session: str, file: int, number: int, size: int, sha256: str):
        super().__init__(size, sha256)
        self.staging, self.session, self.name = staging, session, part_name(file, number, sha256)
        self.tmp, self.out = staging.blobs._new_tmp()

    def _write(self, data) -> None:
        write_all(self.out, data)

    def _commit(self) -> None:
        os.fsync(self.out.fileno())
        self.out.close()
        folder = self.staging._folder(self.session)
        os.makedirs(folder, exist_ok=True)
        os.replace(self.tmp, os.path.join(folder, self.name))
        _fsync_dir(folder)

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self.out.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.tmp)


# --- an object store (fsspec) ---------------------------------------------------------------
class FsspecStaging(Staging):
    blobs: FsspecBlobStore

    def __init__(self, blobs: FsspecBlobStore):
        super().__init__(blobs)
        self.fs = blobs.fs
        self.root = f"{blobs._root}/uploads"

    def _key(self, session: str, name: str = "") -> str:
        return f"{self.root}/{session}/{name}" if name else f"{self.root}/{session}"

    def _write_small(self, session: str, name: str, data: bytes) -> None:
        self.fs.pipe_file(self._key(session, name), data)
        self.fs.invalidate_cache()

    def _read_small(self, session: str, name: str) -> bytes | None:
        # s3fs asks its listing cache for the size first: a listing of the session made before
        # this object was written (by this instance) would say it is not there.
        self.fs.invalidate_cache(self._key(session))
        try:
            return self.fs.cat_file(self._key(session, name))
        except FileNotFoundError:
            return None

    def _list(self, session: str) -> list[tuple[str, int]]:
        self.fs.invalidate_cache()
        try:
            listed = self.fs.ls(self._key(session), detail=True)
        except FileNotFoundError:
            return []
        return [(item["name"].rsplit("/", 1)[-1], int(item.get("size") or 0)) for item in listed
                if item.get("type") == "file"]

    def _open(self, session: str, name: str) -> BinaryIO:
        return self.fs.open(self._key(session, name), "rb", block_size=self.blobs.READ_AHEAD, cache_type="readahead")

    def _remove(self, session: str, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(self._key(session, name))
        self.fs.invalidate_cache()

    def part_writer(self, session: str, file: int, number: int, size: int, sha256: str) -> PartWriter:
        return _FsspecPartWriter(self, session, file, number, size, sha256)

    def delete_session(self, session: str) -> None:
        for name, _ in self._list(session):
            with contextlib.suppress(FileNotFoundError):
                self.fs.rm_file(self._key(session, name))
        self.fs.invalidate_cache()

    def sessions(self) -> list[tuple[str, float]]:
        self.fs.invalidate_cache()
        try:
            found = self.fs.find(self.root, detail=True)
        except FileNotFoundError:
            return []
        newest: dict[str, float] = {}
        for key, info in found.items():
            session = key[len(self.root) + 1:].split("/", 1)[0]
            newest[session] = max(newest.get(session, 0.0), _mtime(info))
        return list(newest.items())

    def _publish(self, name: str, parts: list[StagedPart], session: str, size: int, sha256: str,
                 known: FileDigests | None) -> StoredBlob:
        if known is not None:  # hashed as they arrived: not read back
            sha, digests, crc = known.sha256, known.chunk_digests, known.crc32
        else:
            sha, digests, crc = _hash_parts(self, session, parts, size)
        _check(sha, sha256)
        if self.blobs.holds_intact(sha, size, digests):
            return StoredBlob(sha, size, digests, False, crc)
        final = self.blobs._path(sha)
        keys = [self._key(session, _part_name(p)) for p in parts]
        if len(keys) > 1 and hasattr(self.fs, "merge") and all(p.size >= S3_MIN_PART for p in parts[:-1]):
            self.fs.merge(final, keys)  # server-side: the bytes do not travel again
        elif len(keys) == 1 and hasattr(self.fs, "copy"):
            self.fs.copy(keys[0], final)
        else:
            out = self.fs.open(final, "wb", block_size=_WRITE_BLOCK)
            try:
                got, _, _ = _hash_parts(self, session, parts, size, out.write)
            except BaseException:
                _discard(out)
                raise
            if got != sha:
                _discard(out)  # parts that changed while they were read: publish nothing
                raise PartMismatch("its parts changed while they were read")
            out.close()
        self.fs.invalidate_cache()
        return StoredBlob(sha, size, digests, True, crc)

    def abort_stale_multipart_uploads(self, cutoff: float) -> int:
        """Abort the object store's unfinished multipart uploads under the catalog's root
        started before ``cutoff`` (what a killed writer leaves: invisible, but stored and
        billed); how many.  Stores without them: 0."""
        lister = getattr(self.fs, "list_multipart_uploads", None)
        if lister is None:
            return 0
        bucket, _, prefix = self.blobs._root.partition("/")
        aborted = 0
        for upload in lister(bucket) or []:
            key, started = upload.get("Key", ""), upload.get("Initiated")
            if prefix and not key.startswith(prefix + "/"):  # another catalog's, in the same bucket
                continue
            if started is not None and started.timestamp() >= cutoff:
                continue
            if self._parts_changed_since(bucket, key, upload["UploadId"], cutoff):
                continue  # started long ago but still sending (a very large save): alive
            with contextlib.suppress(Exception):
                self.fs.call_s3("abort_multipart_upload", Bucket=bucket, Key=key, UploadId=upload["UploadId"])
                aborted += 1
        return aborted

    def _parts_changed_since(self, bucket: str, key: str, upload_id: str, cutoff: float) -> bool:
        """Whether a part of a multipart upload arrived after ``cutoff`` (or that cannot be told:
        then it is left alone, never aborted on a guess)."""
        try:
            answer = self.fs.call_s3("list_parts", Bucket=bucket, Key=key, UploadId=upload_id)
        except Exception:
            return True
        return any(part["LastModified"].timestamp() >= cutoff for part in answer.get("Parts", []))


def _mtime(info: dict) -> float:
    when = info.get("LastModified") or info.get("mtime") or info.get("created")
    if when is None:
        return time.time()
    return when.timestamp() if hasattr(when, "timestamp") else float(when)


class _FsspecPartWriter(PartWriter):
    def __init__(self, staging: FsspecStaging, session: str, file: int, number: int, size: int, sha256: str):
        super().__init__(size, sha256)
        self.staging = staging
        # Written under its final name, which appears only when close() completes the upload.
        key = staging._key(session, part_name(file, number, sha256))
        self.out = staging.fs.open(key, "wb", block_size=_WRITE_BLOCK)

    def _write(self, data) -> None:
        self.out.write(data)

    def _commit(self) -> None:
        self.out.close()
        self.staging.fs.invalidate_cache()

    def abort(self) -> None:
        if not self.out.closed:
            # Its multipart upload may be gone already (a failed close aborts it): what is
            # left, garbage collection aborts.
            with contextlib.suppress(Exception):
                _discard(self.out)
            self.out.closed = True


def open_staging(blobs: BlobStore) -> Staging | None:
    """The upload staging of ``blobs`` (None for a kind of store it does not know)."""
    if isinstance(blobs, LocalBlobStore):
        return LocalStaging(blobs)
    if isinstance(blobs, FsspecBlobStore):
        return FsspecStaging(blobs)
    return None


def collect_uploads(blobs: BlobStore, cutoff: float) -> dict:
    """Remove the upload sessions of ``blobs`` idle since before ``cutoff`` and the object
    store's unfinished multipart uploads started before it (a writer killed mid-part):
    ``{"removed_uploads": n, "aborted_multipart_uploads": n}``."""
    staging = open_staging(blobs)
    if staging is None:
        return {"removed_uploads": 0, "aborted_multipart_uploads": 0}
    aborted = staging.abort_stale_multipart_uploads(cutoff) if isinstance(staging, FsspecStaging) else 0
    return {"removed_uploads": staging.collect(cutoff), "aborted_multipart_uploads": aborted}
