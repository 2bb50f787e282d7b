"""The digests of an upload's files, taken as their parts arrive, so that completing the
upload need not read every byte back from the store.

Each part's bytes pass through the process that receives them.  When one process receives
the parts of a file in order -- one client sending them one after the other through one
instance, the usual case -- it hashes the whole file on the way (its sha256, the chunk
digests and the CRC-32 a blob's row records, on the hasher's own threads) and keeps that
running state in memory.  Completing in that process then checks the file's announced
sha256 and size against these digests instead of reading the parts back.

Sound because a state also lists the parts it hashed (by number, with their sha256) and is
used only when exactly those parts are the file's parts in the store at completion: a part
object is kept only once its bytes were found to have its sha256, and is named by it, so
the parts hold the bytes that were hashed.  Anything else -- a part sent through another
instance, out of order or with other bytes, a restarted or evicted state -- and the file is
read back and hashed as before.

Memory is bounded: a paused state holds no thread and a few KiB (32 bytes per chunk of the
file), and at most MAX_FILES states are kept, the least recently fed evicted first.
"""
from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict

from .hashing import ChunkHasher
from .upload_parts import FileDigests, StagedPart

MAX_FILES = 256


class RunningDigests:
    """The digests of the first ``len(parts)`` parts of one file, in order."""

    def __init__(self, chunk_size: int):
        self.hasher = ChunkHasher(chunk_size)
        self.parts: list[str] = []  # the sha256 of each part hashed, by number

    def update(self, data) -> None:
        self.hasher.update(data)

    def pause(self) -> None:
        """Wait for the bytes fed so far and stop the hasher's threads (state kept)."""
        self.hasher.abort()


class ReceivedDigests:
    """The running digests of the upload files this process receives, by (upload key, file)."""

    def __init__(self, max_files: int = MAX_FILES):
        self._lock = threading.Lock()
        self._files: OrderedDict[tuple[str, int], RunningDigests] = OrderedDict()
        self._max_files = max_files

    def start_part(self, upload: str, file: int, number: int, chunk_size: int) -> RunningDigests | None:
        """The digests part ``number`` continues, held by its writer until it ends (None: it
        continues none here, and completing will read the file back)."""
        with self._lock:
            running = self._files.pop((upload, file), None)
        if number == 0:  # a file's start (sent again: hashed again)
            return RunningDigests(chunk_size)
        if running is None or len(running.parts) != number:
            if running is not None:  # another part again (an earlier one): the state may still serve
                self._keep(upload, file, running)
            return None
        running.hasher.resume()
        return running

    def part_done(self, upload: str, file: int, running: RunningDigests, sha256: str) -> None:
        """The part that ``running`` was fed arrived whole with ``sha256``: keep the state."""
        try:
            running.pause()
        except Exception:  # a hashing thread failed: this file is read back when completed
            return
        running.parts.append(sha256)
        self._keep(upload, file, running)

    @staticmethod
    def part_failed(running: RunningDigests) -> None:
        """The part was refused or cut short: its bytes are in the state, which is dropped."""
        with contextlib.suppress(Exception):
            running.pause()

    def take(self, upload: str, file: int, parts: list[StagedPart]) -> FileDigests | None:
        """The digests of the file whose parts in the store are ``parts`` (in order), when
        this process hashed exactly those as they arrived; None otherwise.  Taken: once."""
        with self._lock:
            running = self._files.pop((upload, file), None)
        if running is None or running.parts != [p.sha256 for p in parts]:
            return None
        try:
            sha256, chunk_digests = running.hasher.finish()
        except Exception:
            return None
        return FileDigests(sha256, chunk_digests, running.hasher.crc32, running.hasher.size)

    def _keep(self, upload: str, file: int, running: RunningDigests) -> None:
        with self._lock:
            self._files[(upload, file)] = running
            self._files.move_to_end((upload, file))
            while len(self._files) > self._max_files:
                self._files.popitem(last=False)  # paused: nothing to stop


# One per process: every request of this process's service shares it.
RECEIVED = ReceivedDigests()
