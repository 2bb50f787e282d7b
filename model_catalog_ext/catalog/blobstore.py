"""Content-addressed blob storage: a file's bytes live under their sha256 and never change.

Two implementations of one small protocol:

- :class:`LocalBlobStore` for plain paths and ``file://`` URLs.  A blob is written to
  ``tmp/`` under a unique name, fsync'ed, then hard-linked to ``sha256/<ab>/<digest>``
  (or, when that name exists, renamed over it: one atomic swap for the same, freshly
  hashed bytes) and the directory is fsync'ed: the bytes are durable before any catalog
  entry can point at them.
- :class:`FsspecBlobStore` for object storage (``s3://``, ``gcs://``, ``oci://``...), where
  an upload becomes visible atomically when it completes, so no rename is needed.

Both hash while copying (see hashing.py) and skip the copy when the same bytes are stored
-- but only once the stored blob has been read back and found intact: a damaged blob is
replaced by the fresh bytes (healing every entry that references it), never linked to.
"""
from __future__ import annotations

import errno
import hashlib
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from ..errors import DamagedArtifact
from .filewrite import reporting_full_disk, reserve, write_all
from .hashing import (
    CHUNK_HASH,
    CHUNK_SIZE,
    QUEUE_DEPTH,
    BufferPool,
    ChunkHasher,
    chunk_hash_function,
    crc32,
    readinto_full,
)
from .source import changed_while_saving as _changed
from .verified import check_blob, iter_verified

Opener = Callable[[], BinaryIO]
Progress = Callable[[int], None]


@dataclass(frozen=True)
class StoredBlob:
    """What :meth:`put` learned: the digest, size, chunk digests (and the function that made
    them) and whether bytes were written."""

    sha256: str
    size: int
    chunk_digests: bytes
    written: bool
    crc32: int | None = None
    chunk_hash: str = CHUNK_HASH


class BlobStore:
    """The protocol; subclasses implement the storage primitives."""

    url: str
    chunk_size = CHUNK_SIZE
    supports_pread = False
    # True when _write_stream already hashes before writing (no separate dedup pass needed).
    hashes_before_write = False

    # --- primitives -------------------------------------------------------------------
    def exists(self, sha256: str) -> bool:
        raise NotImplementedError

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored blob for reading (FileNotFoundError when missing)."""
        raise NotImplementedError

    def delete(self, sha256: str) -> None:
        """Remove a blob; missing is fine (deletion is idempotent)."""
        raise NotImplementedError

    def iter_digests(self) -> Iterator[str]:
        """Every stored digest (for garbage collection and checks)."""
        raise NotImplementedError

    def _write_small(self, sha256: str, data: bytes) -> None:
        raise NotImplementedError

    def _write_stream(self, name: str, opener: Opener, size: int, progress: Progress | None) -> StoredBlob:
        raise NotImplementedError

    def location(self, sha256: str) -> str:
        """Where the blob lives, for messages."""
        raise NotImplementedError

    def spool_folder(self) -> str | None:
        """A local folder whose files :meth:`tmp_files` lists (so garbage collection removes
        those left behind), where a server receives uploads; None for object storage."""
        return None

    # --- shared logic ---------------------------------------------------------------
    def put(self, name: str, opener: Opener, size: int, *, likely_present: bool = False,
            known_chunks: dict[bytes, str] | None = None, progress: Progress | None = None) -> StoredBlob:
        """Store the bytes ``opener()`` yields (``size`` of them) and return their digest.

        ``likely_present`` (a blob of this size is already stored) makes us hash first and
        copy only when the digest is new, so re-saving identical bytes reads but never writes.
        ``known_chunks`` maps the ``CHUNK_HASH`` chunk digests of stored blobs of this size
        to their sha256: identical chunk digests are identical bytes, found without the
        slower sha256 pass.
        """
        if size <= self.chunk_size:
            with opener() as src:
                data = src.read(size + 1)
            if len(data) != size:
                raise _changed(name)
            sha = hashlib.sha256(data).hexdigest()
            written = not self._holds_small(sha, data)  # missing or damaged: (re)write it
            if written:
                with _full_disk(self, name, size):
                    self._write_small(sha, data)
            if progress:
                progress(size)
            return StoredBlob(sha, size, b"", written, crc32(data))
        if likely_present and not self.hashes_before_write:
            # If the blob is stored, its row already has every digest and the CRC, so a
            # re-save costs one hashing pass of the file and one checked read of the stored
            # blob, and no write: the file's chunk digests when stored blobs of this size have
            # them, else its sha256.
            found: str | None
            if known_chunks:
                digests = _chunk_digests_only(name, opener, size, self.chunk_size)
                found = known_chunks.get(digests)
            else:
                found, digests = _sha256_only(name, opener, size, self.chunk_size), b""
            if found is not None and self.holds_intact(found, size, digests):
                if progress:
                    progress(size)
                return StoredBlob(found, size, b"", False, None)
        with _full_disk(self, name, size):
            return self._write_stream(name, opener, size, progress)

    def holds_intact(self, sha256: str, size: int, chunk_digests: bytes = b"") -> bool:
        """Whether the blob ``sha256`` is stored and holds exactly its bytes: read back and
        checked against ``chunk_digests`` (``CHUNK_HASH`` digests of the bytes being saved),
        else against its sha256.  A save trusts a stored blob only after this, so a damaged
        one is written again instead of being shared by one more entry."""
        if not chunk_digests:
            return check_blob(self, sha256=sha256, size=size, chunk_size=self.chunk_size) is None
        try:
            for _ in iter_verified(self, sha256=sha256, size=size, chunk_digests=chunk_digests,
                                   chunk_size=self.chunk_size, path=sha256, reuse_buffers=True,
                                   chunk_hash=CHUNK_HASH):
                pass
        except DamagedArtifact:
            return False
        return True

    def _holds_small(self, sha256: str, data: bytes) -> bool:
        """Whether the one-chunk blob ``sha256`` is stored with exactly ``data``."""
        try:
            with self.open(sha256) as f:
                return _read_up_to(f, len(data) + 1) == data
        except FileNotFoundError:
            return False


def _full_disk(store: BlobStore, name: str, size: int):
    return reporting_full_disk(f"the artifact store {store.url}", f"'{name}'", size,
                               "Nothing was stored. Free some space there, then save again.")


def _chunks_of(name: str, opener: Opener, size: int, chunk_size: int) -> Iterator[bytes]:
    """The file's bytes in chunks; InvalidArtifact when it is not ``size`` bytes long (it changed)."""
    total = 0
    with opener() as src:
        while chunk := src.read(chunk_size):
            total += len(chunk)
            yield chunk
    if total != size:
        raise _changed(name)


def _read_up_to(f, n: int) -> bytes:
    parts, got = [], 0
    while got < n and (part := f.read(n - got)):
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def _sha256_only(name: str, opener: Opener, size: int, chunk_size: int) -> str:
    digest = hashlib.sha256()
    for chunk in _chunks_of(name, opener, size, chunk_size):
        digest.update(chunk)
    return digest.hexdigest()


def _chunk_digests_only(name: str, opener: Opener, size: int, chunk_size: int) -> bytes:
    new_chunk = chunk_hash_function(CHUNK_HASH)
    return b"".join(new_chunk(chunk).digest() for chunk in _chunks_of(name, opener, size, chunk_size))


def _hash_only(name: str, opener: Opener, size: int, chunk_size: int) -> tuple[str, bytes, int]:
    hasher = ChunkHasher(chunk_size)
    try:
        with opener() as src:
            while chunk := src.read(chunk_size):
                hasher.update(chunk)
    except BaseException:
        hasher.abort()
        raise
    sha, digests = hasher.finish()
    if hasher.size != size:
        raise _changed(name)
    return sha, digests, hasher.crc32


class LocalBlobStore(BlobStore):
    """Blobs as read-only files under a local directory."""

    def __init__(self, root: str):
        self.root = os.path.abspath(os.path.expanduser(root))
        self.url = self.root
        self._tmp = os.path.join(self.root, "tmp")
        self._data = os.path.join(self.root, "sha256")
        os.makedirs(self._tmp, exist_ok=True)
        os.makedirs(self._data, exist_ok=True)

    def _path(self, sha256: str) -> str:
        return os.path.join(self._data, sha256[:2], sha256)

    def location(self, sha256: str) -> str:
        return self._path(sha256)

    def exists(self, sha256: str) -> bool:
        return os.path.isfile(self._path(sha256))

    def open(self, sha256: str) -> BinaryIO:
        return open(self._path(sha256), "rb", buffering=0)

    supports_pread = True  # verified reads fetch chunks in parallel with os.pread

    def delete(self, sha256: str) -> None:
        try:
            os.unlink(self._path(sha256))
        except FileNotFoundError:
            pass

    def iter_digests(self) -> Iterator[str]:
        for shard in sorted(os.listdir(self._data)):
            folder = os.path.join(self._data, shard)
            if os.path.isdir(folder):
                yield from sorted(os.listdir(folder))

    def tmp_files(self) -> list[str]:
        """Leftovers of interrupted saves and uploads (safe to delete when none is running)."""
        return [os.path.join(self._tmp, n) for n in os.listdir(self._tmp)]

    def spool_folder(self) -> str:
        return self._tmp

    def _new_tmp(self):
        path = os.path.join(self._tmp, f"{uuid.uuid4().hex}.part")
        return path, open(path, "xb", buffering=0)

    def _write_small(self, sha256: str, data: bytes) -> None:
        tmp, f = self._new_tmp()
        try:
            with f:
                write_all(f, data)
                os.fsync(f.fileno())
            self._publish(tmp, sha256)
        finally:
            _unlink_quietly(tmp)

    def _write_stream(self, name: str, opener: Opener, size: int, progress: Progress | None) -> StoredBlob:
        tmp, f = self._new_tmp()
        # Enough buffers for both hashers' queues, the one being read and the one written.
        pool = BufferPool(self.chunk_size, QUEUE_DEPTH + 3)
        hasher = ChunkHasher(self.chunk_size, release=pool.release)
        flusher = _Flusher(f.fileno())
        try:
            with f, opener() as src:
                reserve(f, size)
                while True:
                    buffer = pool.acquire()
                    n = readinto_full(src, buffer)
                    if not n:
                        break
                    chunk = memoryview(buffer)[:n]
                    hasher.update(chunk, owner=buffer)  # back in the pool once hashed
                    write_all(f, chunk)  # before the next acquire: the hashers may be done first
                    flusher.wrote(n)
                    if progress:
                        progress(n)
                flusher.stop()
                # Durable before the entry that will reference it becomes visible.
                os.fsync(f.fileno())
            sha, digests = hasher.finish()
            if hasher.size != size:
                raise _changed(name)
            written = self._publish(tmp, sha)
            return StoredBlob(sha, size, digests, written, hasher.crc32)
        except BaseException:
            flusher.stop()
            hasher.abort()
            raise
        finally:
            _unlink_quietly(tmp)

    def _publish(self, tmp: str, sha256: str) -> bool:
        """Give ``tmp`` its content address; False when those bytes were already there."""
        os.chmod(tmp, 0o444)
        final = self._path(sha256)
        shard = os.path.dirname(final)
        for _ in range(2):
            try:
                os.link(tmp, final)
                break
            except FileExistsError:
                # Stored already, but perhaps damaged: the bytes just hashed take its place
                # (the same bytes, so an entry reading the old file reads what it expects).
                os.replace(tmp, final)
                _fsync_dir(shard)
                return False
            except FileNotFoundError:
                os.makedirs(shard, exist_ok=True)
                _fsync_dir(self._data)
            except OSError as exc:  # filesystems without hard links
                if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                    raise
                os.makedirs(shard, exist_ok=True)
                existed = os.path.exists(final)
                os.replace(tmp, final)  # same bytes if two savers race: harmless
                if existed:
                    _fsync_dir(shard)
                    return False
                break
        _fsync_dir(shard)
        return True


class FsspecBlobStore(BlobStore):
    """Blobs as objects under an fsspec URL (``s3://bucket/prefix`` ...)."""

    hashes_before_write = True

    def __init__(self, url: str, storage_options: dict | None = None):
        import fsspec

        self.url = url.rstrip("/")
        self.fs, self._root = fsspec.core.url_to_fs(self.url, **(storage_options or {}))
        self._root = self._root.rstrip("/")

    def _path(self, sha256: str) -> str:
        return f"{self._root}/sha256/{sha256[:2]}/{sha256}"

    def location(self, sha256: str) -> str:
        return f"{self.url}/sha256/{sha256[:2]}/{sha256}"

    def exists(self, sha256: str) -> bool:
        try:
            return self.fs.exists(self._path(sha256))
        except FileNotFoundError:
            return False

    # Blobs are read front to back: each request fetches this much ahead (a request per 4 MiB
    # chunk costs a round trip each, and some S3 servers copy the whole object per range).
    READ_AHEAD = 16 * 1024 * 1024

    def open(self, sha256: str) -> BinaryIO:
        return self.fs.open(self._path(sha256), "rb", block_size=self.READ_AHEAD, cache_type="readahead")

    def delete(self, sha256: str) -> None:
        try:
            self.fs.rm_file(self._path(sha256))
        except FileNotFoundError:
            pass
        self.fs.invalidate_cache()

    def iter_digests(self) -> Iterator[str]:
        self.fs.invalidate_cache()
        try:
            paths = self.fs.find(f"{self._root}/sha256")
        except FileNotFoundError:
            return
        for path in sorted(paths):
            yield path.rsplit("/", 1)[-1]

    def _holds_small(self, sha256: str, data: bytes) -> bool:
        # One ranged GET: opening the object first asks for its size (a HEAD) and, on S3, a
        # missing key is then also listed as a folder -- four requests per save's new file.
        if not data:
            return self.exists(sha256) and self.fs.size(self._path(sha256)) == 0
        try:
            return self.fs.cat_file(self._path(sha256), start=0, end=len(data) + 1) == data
        except FileNotFoundError:
            return False

    def _write_small(self, sha256: str, data: bytes) -> None:
        self.fs.pipe_file(self._path(sha256), data)
        self.fs.invalidate_cache()

    def _write_stream(self, name: str, opener: Opener, size: int, progress: Progress | None) -> StoredBlob:
        # The key is the digest, which we only know after reading: hash first, then upload
        # straight to the final key (an object appears atomically when its upload completes).
        sha, digests, crc = _hash_only(name, opener, size, self.chunk_size)
        if self.holds_intact(sha, size, digests):  # else missing or damaged: upload it (again)
            if progress:
                progress(size)
            return StoredBlob(sha, size, digests, False, crc)
        hasher = ChunkHasher(self.chunk_size)
        out = self.fs.open(self._path(sha), "wb", block_size=max(self.chunk_size, 5 * 2**20))
        try:
            with opener() as src:
                while chunk := src.read(self.chunk_size):
                    hasher.update(chunk)
                    out.write(chunk)
                    if progress:
                        progress(len(chunk))
            got, digests = hasher.finish()
        except BaseException:
            hasher.abort()
            _discard(out)
            raise
        if got != sha or hasher.size != size:
            _discard(out)  # never publish bytes under the wrong address
            raise _changed(name)
        out.close()
        self.fs.invalidate_cache()
        return StoredBlob(sha, size, digests, True, hasher.crc32)


class _Flusher:
    """Push written pages to disk on a side thread while the copy goes on.

    Without it the kernel keeps a large blob's pages dirty until the final fsync, which then
    waits for all of them; flushing every few chunks overlaps the disk writes with reading
    and hashing, so the final fsync only waits for the tail.
    """

    EVERY = 32 * 1024 * 1024

    def __init__(self, fd: int):
        self.fd = fd
        self._pending = 0
        self._wake = threading.Event()
        self._done = False
        self._thread: threading.Thread | None = None

    def wrote(self, n: int) -> None:
        self._pending += n
        if self._pending >= self.EVERY:
            self._pending = 0
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="catalog-flusher", daemon=True)
                self._thread.start()
            self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._done:
                return
            try:
                os.fdatasync(self.fd) if hasattr(os, "fdatasync") else os.fsync(self.fd)
            except OSError:
                return  # the final fsync reports real errors

    def stop(self) -> None:
        if self._thread is not None and not self._done:
            self._done = True
            self._wake.set()
            self._thread.join()


def _discard(f) -> None:
    discard = getattr(f, "discard", None)
    if discard is not None:
        discard()
        # s3fs's discard leaves the file open: closing it later (at garbage collection)
        # would try to upload the dropped buffer and print an error.
        f.closed = True
    else:
        f.close()


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some filesystems refuse fsync on directories; the data is synced
        pass
    finally:
        os.close(fd)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def open_blob_store(url: str, storage_options: dict | None = None) -> BlobStore:
    """A local store for paths and ``file://``; fsspec for every other protocol."""
    if url.startswith("file://"):
        return LocalBlobStore(url[len("file://"):])
    if "://" not in url:
        return LocalBlobStore(url)
    return FsspecBlobStore(url, storage_options)
