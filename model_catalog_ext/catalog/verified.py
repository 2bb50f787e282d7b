"""Read a stored blob back, checking every chunk against its digest before serving it.

Chunk digests are BLAKE3 (or sha256 for blobs stored before migration 0005: the blob's row
says which, see hashing.py); a blob without chunk digests is checked whole against its
sha256 first.

A background thread reads and hashes chunk *n+1* while the consumer writes chunk *n*,
so checking costs little wall time; at most a few chunks are in memory.  A mismatch
raises :class:`DamagedArtifact` *instead of* yielding the chunk, so wrong bytes never leave.

With ``reuse_buffers=True`` (local blobs) chunks are read into a few recycled buffers and
yielded as memoryviews: no fresh 4 MiB allocation, and so no page faults, per chunk.  Such a
view stays valid until the consumer has asked for HOLD more chunks -- enough for a writer
that sends chunk *n* while asking for chunk *n+1*, not for one that keeps them all.
"""
from __future__ import annotations

import hashlib
import os
import queue
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from ..errors import DamagedArtifact
from .hashing import BufferPool, chunk_hash_function

if TYPE_CHECKING:  # blobstore checks stored blobs with this module
    from .blobstore import BlobStore

_PREFETCH = 3
_END = object()
BLOB_MISSING = "the blob is missing"  # the ``problem`` of a DamagedArtifact for a blob that is gone


def damaged(model_id: str | None, path: str, sha256: str, why: str, location: str = "") -> DamagedArtifact:
    """The error for bytes that fail their check; the message says what to do."""
    where = f" (stored at {location})" if location else ""
    subject = f"model {model_id}" if model_id else "the catalog"
    return DamagedArtifact(
        f"The stored file '{path}' of {subject} is damaged: {why}{where}. "
        "It was not served. Restore the blob from a backup, or save the model again "
        "from its source; `jupyter model-catalog verify` lists every damaged entry.",
        model_id=model_id, path=path, sha256=sha256, problem=why,
    )


def _read_full(f, n: int) -> bytes:
    parts, got = [], 0
    while got < n:
        part = f.read(n - got)
        if not part:
            break
        parts.append(part)
        got += len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def iter_verified(store: BlobStore, *, sha256: str, size: int, chunk_digests: bytes,
                  chunk_size: int, path: str, model_id: str | None = None,
                  reuse_buffers: bool = False, chunk_hash: str = "sha256", offset: int = 0) -> Iterator[bytes]:
    """Yield the blob's bytes in chunks, each checked before it is yielded against
    ``chunk_digests`` (made with ``chunk_hash``; see the module docstring for
    ``reuse_buffers``).

    ``offset``: the bytes from there on (a ranged download that goes on where it stopped).
    Reading starts at the chunk that holds ``offset``, and every chunk read is checked against
    its own digest as always; the chunks before it are not read, so the whole file's sha256 is
    not checked by such a read -- the client that resumed checks it over all the bytes it got
    (http_backend's ``_file_chunks``).  A blob without chunk digests is still checked whole."""
    if offset:
        yield from _from_offset(store, sha256, size, chunk_digests, chunk_size, path, model_id, reuse_buffers,
                                chunk_hash, offset)
        return
    location = store.location(sha256)
    if size <= chunk_size or not chunk_digests:
        # Fits one chunk (or predates chunk digests): check the whole thing, then serve it.
        if size > chunk_size:
            yield from _verify_whole_then_stream(store, sha256, size, chunk_size, path, model_id)
            return
        try:
            with store.open(sha256) as f:
                data = _read_full(f, size + 1)
        except FileNotFoundError:
            raise damaged(model_id, path, sha256, BLOB_MISSING, location) from None
        if len(data) != size:
            raise damaged(model_id, path, sha256, f"it holds {len(data)} bytes instead of {size}", location)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise damaged(model_id, path, sha256, "its sha256 does not match", location)
        if data:
            yield data
        return

    yield from _iter_chunks(store, sha256, size, chunk_digests, chunk_size, path, model_id, reuse_buffers,
                            chunk_hash, 0)


def _from_offset(store, sha256, size, chunk_digests, chunk_size, path, model_id, reuse_buffers, chunk_hash,
                 offset) -> Iterator:  # of bytes, or memoryviews (reuse_buffers)
    if size <= chunk_size or not chunk_digests:
        # No chunk to start from: the whole is read and checked as always, its head dropped.
        return without_head(iter_verified(store, sha256=sha256, size=size, chunk_digests=chunk_digests,
                                          chunk_size=chunk_size, path=path, model_id=model_id,
                                          chunk_hash=chunk_hash), offset)
    return without_head(_iter_chunks(store, sha256, size, chunk_digests, chunk_size, path, model_id,
                                     reuse_buffers, chunk_hash, offset // chunk_size), offset % chunk_size)


def without_head(chunks: Iterator, skip: int) -> Iterator:
    """``chunks`` without their first ``skip`` bytes (read, and so checked, all the same); a
    reused buffer is cut as a view, not copied.  Closes ``chunks`` when closed itself."""
    try:
        for chunk in chunks:
            if skip >= len(chunk):
                skip -= len(chunk)
                continue
            if skip:
                yield memoryview(chunk)[skip:] if isinstance(chunk, bytearray) else chunk[skip:]
                skip = 0
            else:
                yield chunk
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def _iter_chunks(store, sha256, size, chunk_digests, chunk_size, path, model_id, reuse_buffers, chunk_hash,
                 start: int) -> Iterator[bytes]:
    """The chunks from number ``start`` on, each checked against its digest."""
    location = store.location(sha256)
    expected = [chunk_digests[i:i + 32] for i in range(0, len(chunk_digests), 32)]
    if len(expected) != -(-size // chunk_size):
        raise damaged(model_id, path, sha256, "its chunk index does not match its size", location)
    new_hash = chunk_hash_function(chunk_hash)
    if getattr(store, "supports_pread", False):
        yield from _iter_parallel(store, sha256, size, expected, chunk_size, path, model_id, location,
                                  reuse_buffers, new_hash, start)
        return
    q: queue.Queue = queue.Queue(_PREFETCH)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            with store.open(sha256) as f:
                if start:
                    f.seek(start * chunk_size)  # local files and fsspec's (S3: a ranged GET) seek
                for index, digest in enumerate(expected[start:], start):
                    want = min(chunk_size, size - index * chunk_size)
                    data = _read_full(f, want)
                    if len(data) != want:
                        put(damaged(model_id, path, sha256, f"it is shorter than {size} bytes", location))
                        return
                    if new_hash(data).digest() != digest:
                        put(damaged(model_id, path, sha256,
                                    f"bytes {index * chunk_size}-{index * chunk_size + want - 1} do not match their "
                                    "recorded digest", location))
                        return
                    if not put(data):
                        return
                if f.read(1):
                    put(damaged(model_id, path, sha256, f"it is longer than {size} bytes", location))
                    return
            put(_END)
        except FileNotFoundError:
            put(damaged(model_id, path, sha256, BLOB_MISSING, location))
        except BaseException as exc:  # hand any I/O error to the consumer
            put(exc)

    thread = threading.Thread(target=produce, name="catalog-verified-read", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


_WORKERS = 2  # one per core here; each reads its chunk with pread and hashes it
HOLD = 2  # chunks a consumer of reused buffers may still hold when it asks for the next


def _pread_into(fd: int, view: memoryview, offset: int) -> int:
    got = 0
    while got < len(view):
        n = os.preadv(fd, [view[got:]], offset + got)
        if not n:
            break
        got += n
    return got


def _pread_all(fd: int, want: int, offset: int) -> bytes:
    data = os.pread(fd, want, offset)
    if len(data) < want:  # pread may return short reads; finish them
        parts, got = [data], len(data)
        while got < want:
            more = os.pread(fd, want - got, offset + got)
            if not more:
                break
            parts.append(more)
            got += len(more)
        data = b"".join(parts)
    return data


def _iter_parallel(store, sha256, size, expected, chunk_size, path, model_id, location,
                   reuse_buffers, new_hash, start: int = 0) -> Iterator[bytes]:
    """Local blobs: read and check chunks on a small pool, serve them in order."""
    try:
        f = store.open(sha256)
    except FileNotFoundError:
        raise damaged(model_id, path, sha256, BLOB_MISSING, location) from None
    fd = f.fileno()
    ahead = _PREFETCH + _WORKERS
    # Each chunk in flight, plus those the consumer may hold, has its own buffer.
    free = BufferPool(chunk_size, ahead + HOLD + 1) if reuse_buffers else None

    def fetch(index: int, buffer):
        want = min(chunk_size, size - index * chunk_size)
        data: bytes | memoryview
        if buffer is None:
            data = _pread_all(fd, want, index * chunk_size)
            got = len(data)
        else:
            data = memoryview(buffer)[:want]
            got = _pread_into(fd, data, index * chunk_size)
        if got != want:
            return damaged(model_id, path, sha256, f"it is shorter than {size} bytes", location)
        if new_hash(data).digest() != expected[index]:
            return damaged(model_id, path, sha256,
                           f"bytes {index * chunk_size}-{index * chunk_size + want - 1} do not match their recorded digest",
                           location)
        return data

    with f, ThreadPoolExecutor(_WORKERS, thread_name_prefix="catalog-verify") as pool:
        pending: deque = deque()
        held: deque = deque()  # buffers handed out, oldest first
        next_index = start
        try:
            while pending or next_index < len(expected):
                while free is not None and len(held) > HOLD:
                    free.release(held.popleft())
                while next_index < len(expected) and len(pending) < ahead:
                    buffer = free.acquire() if free is not None else None
                    pending.append((pool.submit(fetch, next_index, buffer), buffer))
                    next_index += 1
                future, buffer = pending.popleft()
                item = future.result()
                if isinstance(item, BaseException):
                    raise item
                if buffer is not None:
                    held.append(buffer)
                yield item
            if os.pread(fd, 1, size):
                raise damaged(model_id, path, sha256, f"it is longer than {size} bytes", location)
        finally:
            for future, _ in pending:
                future.cancel()


def _hashed_chunks(store: BlobStore, sha256: str, chunk_size: int, digest) -> Iterator[bytes]:
    """The stored blob's chunks, each fed to ``digest`` first (FileNotFoundError when missing)."""
    with store.open(sha256) as f:
        while chunk := f.read(chunk_size):
            digest.update(chunk)
            yield chunk


def _verify_whole_then_stream(store, sha256, size, chunk_size, path, model_id) -> Iterator[bytes]:
    # Two passes: nothing is yielded until the whole file checked out; the second pass is
    # hashed again so a change between the passes is caught before the end is served.
    location = store.location(sha256)
    for serve in (False, True):
        digest = hashlib.sha256()
        total = 0
        try:
            for chunk in _hashed_chunks(store, sha256, chunk_size, digest):
                total += len(chunk)
                if serve:
                    yield chunk
        except FileNotFoundError:
            raise damaged(model_id, path, sha256, BLOB_MISSING, location) from None
        if total != size or digest.hexdigest() != sha256:
            raise damaged(model_id, path, sha256, "its sha256 does not match", location)


def check_blob(store: BlobStore, *, sha256: str, size: int, chunk_size: int) -> str | None:
    """Re-hash a stored blob; None when intact, else what is wrong (for verify())."""
    digest = hashlib.sha256()
    try:
        total = sum(len(chunk) for chunk in _hashed_chunks(store, sha256, chunk_size, digest))
    except FileNotFoundError:
        return "missing"
    if total != size:
        return f"size {total} instead of {size}"
    if digest.hexdigest() != sha256:
        return "sha256 mismatch"
    return None
