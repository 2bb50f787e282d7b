"""``iter_file(..., offset=n)``: the bytes of a file from byte n on, on every backend. The SQL
store reads its blob (a local file, or an object in S3) from the chunk that holds byte n and
checks each chunk it reads; the other backends read the whole and drop the head."""
from __future__ import annotations

import os

import pytest

from model_catalog_ext.catalog.blobstore import LocalBlobStore
from model_catalog_ext.errors import DamagedArtifact, InvalidInput
from tests.catalog.test_tamper import CHUNK, _flip, _sha
from tests.read_counting import count_local_reads


def _read(svc, model_id: str, path: str, offset: int) -> bytes:
    return b"".join(bytes(chunk) for chunk in svc.iter_file(model_id, path, offset=offset))


def test_a_read_from_an_offset_is_the_tail_of_the_whole(catalog, make_artifact):
    data = os.urandom(100_003)
    entry = catalog.save(make_artifact(files={"model.bin": data}), display_name="offsets")
    for offset in (0, 1, 65_536, 99_999, 100_002, 100_003):
        assert _read(catalog, entry.id, "model.bin", offset) == data[offset:], offset
    for offset in (-1, 100_004, 1.5, True):
        with pytest.raises(InvalidInput, match="offset"):
            catalog.iter_file(entry.id, "model.bin", offset=offset)


@pytest.fixture
def stored_reads(sql_catalog, monkeypatch):
    """(the catalog, [bytes read from its blob store so far])."""
    count = [0]
    store = sql_catalog.backend.blobs
    if isinstance(store, LocalBlobStore):  # read with os.pread / os.preadv (verified.py)
        count = count_local_reads(monkeypatch)
    else:  # an object in S3: the ranges fsspec's file asks the server for
        opened = store.open

        def counted_open(sha256):
            f = opened(sha256)
            fetch = f.cache.fetcher

            def counted_fetch(start, end):
                data = fetch(start, end)
                count[0] += len(data)
                return data

            f.cache.fetcher = counted_fetch
            return f

        monkeypatch.setattr(store, "open", counted_open)
    return sql_catalog, count


@pytest.mark.parametrize("reuse_buffers", [False, True])
def test_the_store_is_read_from_the_chunk_that_holds_the_offset(stored_reads, make_artifact, reuse_buffers):
    svc, count = stored_reads
    data = os.urandom(3 * CHUNK + 17)
    entry = svc.save(make_artifact(files={"big.bin": data}), display_name="tail")
    count[0] = 0
    assert _read(svc, entry.id, "big.bin", 0) == data
    assert count[0] >= len(data)
    for offset in (3 * CHUNK + 7, 2 * CHUNK, CHUNK - 1):
        count[0] = 0
        got = b"".join(bytes(c) for c in svc.iter_file(entry.id, "big.bin", reuse_buffers, offset))
        assert got == data[offset:], offset
        assert count[0] <= len(data) - (offset // CHUNK) * CHUNK, offset


def test_a_damaged_chunk_after_the_offset_is_never_served(sql_catalog, make_artifact):
    data = os.urandom(3 * CHUNK + 17)
    entry = sql_catalog.save(make_artifact(files={"big.bin": data}), display_name="damaged")
    _flip(sql_catalog, _sha(entry, "big.bin"), 2 * CHUNK + 5)  # inside the third chunk
    served = []
    with pytest.raises(DamagedArtifact):
        for chunk in sql_catalog.iter_file(entry.id, "big.bin", offset=CHUNK + 3):
            served.append(bytes(chunk))
    assert b"".join(served) == data[CHUNK + 3:2 * CHUNK]  # up to the damaged chunk, not into it
    # From past the damage on, what is read checks out: the whole file's sha256 is then the
    # resuming reader's to check (the service's clients do, over every byte they got).
    assert _read(sql_catalog, entry.id, "big.bin", 3 * CHUNK) == data[3 * CHUNK:]
