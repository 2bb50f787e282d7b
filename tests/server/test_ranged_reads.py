"""A Range request of a file (or of the zip) reads the stored blob from the range's chunk on, not from its
start: the bytes before it are neither read nor sent (what the catalog checks then: every
chunk it reads, against its own digest; the whole file's sha256 is the resuming client's)."""
from __future__ import annotations

import os

import pytest
from tornado.httpclient import HTTPClientError

from model_catalog_ext.catalog.hashing import CHUNK_SIZE
from tests.read_counting import count_local_reads

from .helpers import write_artifact

SIZE = 5 * CHUNK_SIZE + 12345  # six chunks, the last one short


@pytest.fixture
def bytes_read(monkeypatch):
    """How many bytes the process has read with os.pread / os.preadv (how local blobs are read)."""
    return count_local_reads(monkeypatch)


@pytest.fixture
def big_file(jp_serverapp, tmp_path):
    """A saved model with a file of SIZE random bytes: (model id, its bytes)."""
    data = os.urandom(SIZE)
    folder = write_artifact(tmp_path / "artifact")
    (folder / "model.bin").write_bytes(data)
    entry = jp_serverapp.web_app.settings["model_catalog"].service.save(folder, display_name="big")
    return entry.id, data


async def get(jp_fetch, model_id: str, headers: dict | None = None):
    try:
        return await jp_fetch("model-catalog", "api", "models", model_id, "artifact", "files", "model.bin",
                              headers=headers or {})
    except HTTPClientError as exc:
        return exc.response


async def test_a_range_near_the_end_reads_only_the_tail(jp_fetch, big_file, bytes_read):
    model_id, data = big_file
    whole = await get(jp_fetch, model_id)
    assert whole.code == 200 and whole.body == data
    assert bytes_read[0] >= SIZE  # the whole file, every chunk checked
    etag = whole.headers["ETag"]

    bytes_read[0] = 0
    answer = await get(jp_fetch, model_id, {"Range": "bytes=-1000", "If-Range": etag})
    assert answer.code == 206 and answer.body == data[-1000:]
    assert answer.headers["Content-Range"] == f"bytes {SIZE - 1000}-{SIZE - 1}/{SIZE}"
    assert bytes_read[0] <= CHUNK_SIZE  # the last chunk (short here), not the 20 MiB before it


@pytest.mark.parametrize("first, last", [
    (0, 99), (1, SIZE - 1), (CHUNK_SIZE - 1, CHUNK_SIZE), (CHUNK_SIZE, CHUNK_SIZE),
    (2 * CHUNK_SIZE + 7, 4 * CHUNK_SIZE + 3), (SIZE - 1, SIZE - 1), (3 * CHUNK_SIZE + 5, None)])
async def test_each_range_is_the_slice_of_the_whole_and_reads_from_its_chunk(jp_fetch, big_file, bytes_read,
                                                                           first, last):
    model_id, data = big_file
    asked = f"bytes={first}-{'' if last is None else last}"
    last = SIZE - 1 if last is None else last
    answer = await get(jp_fetch, model_id, {"Range": asked})
    assert answer.code == 206 and answer.body == data[first:last + 1], asked
    # From the chunk that holds the first byte, at most to the end (a chunk or two ahead of
    # the last byte may be read already when the range ends).
    assert bytes_read[0] <= SIZE - (first // CHUNK_SIZE) * CHUNK_SIZE, asked


async def test_416_and_if_range_are_as_before(jp_fetch, big_file):
    model_id, data = big_file
    answer = await get(jp_fetch, model_id, {"Range": f"bytes={SIZE}-"})
    assert answer.code == 416 and answer.headers["Content-Range"] == f"bytes */{SIZE}"
    # Another file's ETag: the whole file, never a slice to splice onto other bytes.
    answer = await get(jp_fetch, model_id, {"Range": "bytes=10-", "If-Range": '"' + "0" * 64 + '"'})
    assert answer.code == 200 and answer.body == data


async def get_zip(jp_fetch, model_id: str, headers: dict | None = None):
    try:
        return await jp_fetch("model-catalog", "api", "models", model_id, "artifact", headers=headers or {})
    except HTTPClientError as exc:
        return exc.response


async def test_a_range_of_the_zip_reads_only_the_files_from_there(jp_fetch, big_file, bytes_read):
    model_id, data = big_file
    whole = await get_zip(jp_fetch, model_id)
    assert whole.code == 200 and bytes_read[0] >= SIZE
    zipped, etag = whole.body, whole.headers["ETag"]
    data_start = zipped.index(data[:64])  # where model.bin's bytes are in the zip
    for first in (0, 1, data_start - 3, data_start + 5, data_start + 4 * CHUNK_SIZE + 1, data_start + SIZE - 2,
                  len(zipped) - 1000, len(zipped) - 1):
        bytes_read[0] = 0
        answer = await get_zip(jp_fetch, model_id, {"Range": f"bytes={first}-", "If-Range": etag})
        assert answer.code == 206 and answer.body == zipped[first:], first
        if first > data_start:  # model.bin from the chunk that holds the range's first byte on
            assert bytes_read[0] <= max(0, SIZE - ((first - data_start) // CHUNK_SIZE) * CHUNK_SIZE), first
    # The zip's central directory: the range reads no file at all.
    assert bytes_read[0] == 0
    answer = await get_zip(jp_fetch, model_id, {"Range": f"bytes={len(zipped)}-"})
    assert answer.code == 416 and answer.headers["Content-Range"] == f"bytes */{len(zipped)}"
    answer = await get_zip(jp_fetch, model_id, {"Range": "bytes=10-", "If-Range": '"sha256:' + "0" * 64 + '"'})
    assert answer.code == 200 and answer.body == zipped
