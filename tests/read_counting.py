"""Counting the bytes read from local blob files: the tests that a ranged read starts at its
chunk (not at byte 0) compare this count with the file's size."""
from __future__ import annotations

import os


def count_local_reads(monkeypatch) -> list[int]:
    """A one-element list holding how many bytes this process has read with os.pread /
    os.preadv (how the blob store reads local files, verified.py) since the call."""
    count = [0]
    pread, preadv = os.pread, os.preadv

    def counted_pread(fd, n, offset):
        data = pread(fd, n, offset)
        count[0] += len(data)
        return data

    def counted_preadv(fd, buffers, offset):
        n = preadv(fd, buffers, offset)
        count[0] += n
        return n

    monkeypatch.setattr(os, "pread", counted_pread)
    monkeypatch.setattr(os, "preadv", counted_preadv)
    return count
