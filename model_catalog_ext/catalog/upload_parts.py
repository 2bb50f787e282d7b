"""The parts of a resumable upload as the upload sessions see them, whatever store keeps them:
what a part is, the writer that takes one part's bytes, and the error for a part whose bytes
are not what its client announced.  Kept apart from ``staging.py`` (the blob store's
``uploads/`` folder) so that the catalog's rules for sessions load no store.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class StagedPart:
    file: int
    number: int
    sha256: str
    size: int


@dataclass(frozen=True)
class FileDigests:
    """What hashing a whole file of an upload gives (its blob's row needs them all)."""
    sha256: str
    chunk_digests: bytes
    crc32: int
    size: int


class PartMismatch(Exception):
    """A part's bytes are not the size or sha256 its client announced."""


class PartWriter:
    """Receives one part whose size and sha256 its client announced: ``write`` its bytes
    (hashed on the way), then ``finish()`` publishes it if they match -- PartMismatch, and
    nothing published, otherwise -- or ``abort()`` (a dropped connection) leaves nothing."""

    def __init__(self, size: int, sha256: str):
        self.size, self.sha256 = size, sha256
        self._hash = hashlib.sha256()
        self._got = 0

    def write(self, data) -> None:
        self._got += len(data)
        if self._got > self.size:
            raise PartMismatch(f"it holds more than the {self.size} bytes announced")
        self._hash.update(data)
        self._write(data)

    def finish(self) -> None:
        try:
            if self._got != self.size:
                raise PartMismatch(f"it holds {self._got} bytes, not the {self.size} announced")
            if self._hash.hexdigest() != self.sha256:
                raise PartMismatch("its bytes do not have the sha256 announced in its Content-Digest")
            self._commit()
        except BaseException:
            self.abort()
            raise

    def _write(self, data) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError
