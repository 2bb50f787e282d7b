"""Zips damaged in the ways that reach a member only when it is opened: the central
directory at the end is intact, so the zip opens and lists its files."""
from __future__ import annotations

import io
import os
import zipfile

SCORE = b"def load_model():\n    return 1\n\ndef predict(data, model=None):\n    return data\n"


def _zip(compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("score.py", SCORE * 20)
        archive.writestr("model.bin", os.urandom(200_000))
        archive.writestr("notes.txt", b"hello " * 1000)
    return buffer.getvalue()


def _offset(data: bytes, name: str) -> int:
    return zipfile.ZipFile(io.BytesIO(data)).getinfo(name).header_offset


def _patched(data: bytes, at: int, new: bytes) -> bytes:
    return data[:at] + new + data[at + len(new):]


def _cut_middle(compression: int) -> bytes:
    data = _zip(compression)
    return data[: len(data) // 3] + data[len(data) // 2:]


def _bad_local_header() -> bytes:
    data = _zip()
    return _patched(data, _offset(data, "model.bin"), b"XXXX")  # its signature


def _bad_name_length() -> bytes:
    data = _zip()
    return _patched(data, _offset(data, "model.bin") + 26, (60000).to_bytes(2, "little"))


def _unknown_method() -> bytes:
    data = bytearray(_zip())
    central = data.rfind(b"PK\x01\x02")  # the last file's central directory record: notes.txt
    data[central + 10: central + 12] = (99).to_bytes(2, "little")  # a method zipfile cannot read
    return bytes(data)


def _bad_bzip2_stream() -> bytes:
    data = _zip(zipfile.ZIP_BZIP2)
    start = _offset(data, "model.bin") + 30 + len("model.bin")
    return _patched(data, start + 10, os.urandom(64))


BROKEN_ZIPS = {
    "middle cut out (deflated)": lambda: _cut_middle(zipfile.ZIP_DEFLATED),
    "middle cut out (stored)": lambda: _cut_middle(zipfile.ZIP_STORED),
    "broken local header": _bad_local_header,
    "local header with a wrong name length": _bad_name_length,
    "unknown compression method": _unknown_method,
    "broken bzip2 stream": _bad_bzip2_stream,
}
