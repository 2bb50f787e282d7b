"""A changed stored byte is detected, reported by verify(), and never served."""
from __future__ import annotations

import os

import pytest

from model_catalog_ext.catalog.blobstore import LocalBlobStore
from model_catalog_ext.errors import DamagedArtifact, ModelNotFound
from tests.damage import flip_byte

CHUNK = 4 * 1024 * 1024


@pytest.fixture
def catalog(sql_catalog):
    """These tests reach into the SQL store (its tables and blob files), so they run on it only."""
    return sql_catalog


def _flip(svc, sha256: str, offset: int) -> None:
    store = svc.backend.blobs
    if isinstance(store, LocalBlobStore):
        flip_byte(store.location(sha256), offset)
    else:
        path = store._path(sha256)
        data = bytearray(store.fs.cat_file(path))
        data[offset] ^= 0xFF
        store.fs.pipe_file(path, bytes(data))
        store.fs.invalidate_cache()


@pytest.fixture
def damaged(catalog, make_artifact):
    big = os.urandom(3 * CHUNK + 100)
    entry = catalog.save(make_artifact(files={"big.bin": big, "small.txt": b"small file"}), display_name="m")
    return catalog, entry, big


def _sha(entry, path):
    return next(m["sha256"] for m in entry.manifest if m["path"] == path)


def test_large_file_damage_stops_before_the_bad_chunk(damaged, tmp_path):
    svc, entry, big = damaged
    _flip(svc, _sha(entry, "big.bin"), 2 * CHUNK + 5)  # inside the third chunk
    served = []
    with pytest.raises(DamagedArtifact) as err:
        for chunk in svc.iter_file(entry.id, "big.bin"):
            served.append(chunk)
    assert b"".join(served) == big[: 2 * CHUNK]  # the good chunks, and nothing of the bad one
    assert err.value.details["path"] == "big.bin" and "not served" in err.value.message

    zipped = []
    with pytest.raises(DamagedArtifact):
        for chunk in svc.iter_zip(entry.id):
            zipped.append(chunk)
    assert big[2 * CHUNK: 3 * CHUNK] not in b"".join(zipped)

    with pytest.raises(DamagedArtifact):
        svc.download(entry.id, tmp_path / "out")
    assert not (tmp_path / "out" / "big.bin").exists()  # never published under its name
    assert not list((tmp_path / "out").glob(".*partial"))
    with pytest.raises(DamagedArtifact):  # nor are the folders that were made to hold it kept
        svc.download(entry.id, tmp_path / "new" / "nested" / "out")
    assert not (tmp_path / "new").exists()

    report = svc.verify()
    assert [(r["id"], r["path"], r["problem"]) for r in report] == [(entry.id, "big.bin", "sha256 mismatch")]
    assert svc.verify(entry.id) == report


def test_small_file_damage_is_never_served(damaged):
    svc, entry, _ = damaged
    _flip(svc, _sha(entry, "small.txt"), 0)
    served = []
    with pytest.raises(DamagedArtifact):
        for chunk in svc.iter_file(entry.id, "small.txt"):
            served.append(chunk)
    assert served == []
    zipped = b""
    with pytest.raises(DamagedArtifact):
        for chunk in svc.iter_zip(entry.id):
            zipped += chunk
    assert b"small file" not in zipped and b"\x8cmall file" not in zipped
    assert [r["path"] for r in svc.verify()] == ["small.txt"]


def test_missing_and_truncated_blobs(sqlite_catalog, make_artifact):
    svc = sqlite_catalog
    big = os.urandom(2 * CHUNK + 1)
    e = svc.save(make_artifact(files={"big.bin": big}), display_name="m")
    path = svc.backend.blobs.location(_sha(e, "big.bin"))
    os.chmod(path, 0o644)
    with open(path, "r+b") as f:
        f.truncate(CHUNK + 10)
    with pytest.raises(DamagedArtifact, match="shorter"):
        b"".join(svc.iter_file(e.id, "big.bin"))
    os.unlink(path)
    with pytest.raises(DamagedArtifact, match="missing"):
        list(svc.iter_file(e.id, "big.bin"))
    assert svc.verify()[0]["problem"] == "missing"


def test_appended_bytes_are_detected(sqlite_catalog, make_artifact):
    svc = sqlite_catalog
    e = svc.save(make_artifact(files={"big.bin": os.urandom(2 * CHUNK)}), display_name="m")
    path = svc.backend.blobs.location(_sha(e, "big.bin"))
    os.chmod(path, 0o644)
    with open(path, "ab") as f:
        f.write(b"extra")
    with pytest.raises(DamagedArtifact, match="longer"):
        b"".join(svc.iter_file(e.id, "big.bin"))
    assert svc.verify()[0]["problem"].startswith("size")


def test_recycled_buffers_serve_the_same_bytes_and_stop_at_damage(sqlite_catalog, make_artifact):
    from model_catalog_ext.catalog.verified import HOLD

    big = os.urandom(11 * CHUNK + 12345)  # more chunks than there are buffers
    entry = sqlite_catalog.save(make_artifact(files={"big.bin": big}), display_name="m")
    # A consumer that still holds the HOLD previous chunks when it asks for the next one
    # (as the HTTP handler does while a chunk drains) sees every byte intact.
    out, window = bytearray(), []
    for view in sqlite_catalog.iter_file(entry.id, "big.bin", reuse_buffers=True):
        assert isinstance(view, memoryview)
        window.append(view)
        if len(window) > HOLD:
            out += window.pop(0)
    for view in window:
        out += view
    assert out == big
    plain = b"".join(sqlite_catalog.iter_zip(entry.id))
    assert b"".join(bytes(c) for c in sqlite_catalog.iter_zip(entry.id, reuse_buffers=True)) == plain

    _flip(sqlite_catalog, _sha(entry, "big.bin"), 7 * CHUNK + 1)
    served = bytearray()
    with pytest.raises(DamagedArtifact):
        for view in sqlite_catalog.iter_file(entry.id, "big.bin", reuse_buffers=True):
            served += view
    assert served == big[: 7 * CHUNK]


def test_write_zip_is_the_streamed_zip_and_never_left_damaged(sqlite_catalog, make_artifact, tmp_path):
    import zipfile

    big = os.urandom(5 * CHUNK + 777)
    entry = sqlite_catalog.save(make_artifact(files={"big.bin": big, "small.txt": b"tiny", "empty": b""}),
                                display_name="m")
    seen = []
    path = sqlite_catalog.write_zip(entry.id, tmp_path / "out" / "m.zip", progress=lambda d, t: seen.append((d, t)))
    assert path.read_bytes() == b"".join(sqlite_catalog.iter_zip(entry.id))
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None and z.read("big.bin") == big
    assert seen[-1] == (entry.artifact_size, entry.artifact_size)

    with pytest.raises(Exception, match="exists"):
        sqlite_catalog.write_zip(entry.id, path)
    from model_catalog_ext.errors import InvalidInput

    with pytest.raises(InvalidInput, match="is a folder"):
        sqlite_catalog.write_zip(entry.id, tmp_path / "out")
    _flip(sqlite_catalog, _sha(entry, "big.bin"), 3 * CHUNK + 9)
    with pytest.raises(DamagedArtifact, match="big.bin"):
        sqlite_catalog.write_zip(entry.id, path, force_overwrite=True)
    with zipfile.ZipFile(path) as z:  # the earlier, intact zip is untouched
        assert z.read("big.bin") == big
    with pytest.raises(DamagedArtifact):
        sqlite_catalog.write_zip(entry.id, tmp_path / "fresh.zip")
    assert not (tmp_path / "fresh.zip").exists()
    assert not list(tmp_path.glob(".*partial")) and not list((tmp_path / "out").glob(".*partial"))
    with pytest.raises(DamagedArtifact):  # into folders that do not exist yet: none is left
        sqlite_catalog.write_zip(entry.id, tmp_path / "new" / "deeper" / "m.zip")
    assert not (tmp_path / "new").exists()


def test_a_model_deleted_while_it_is_read_is_not_reported_as_damaged(catalog, make_artifact, tmp_path):
    """A blob that vanished because its entry was deleted meanwhile is a 'not found' for the
    reader, not damage for an operator to repair; a vanished blob of a live entry still is."""
    files = {"a.bin": os.urandom(2 * CHUNK + 3), "b.bin": os.urandom(CHUNK + 7)}
    entry = catalog.save(make_artifact(files=files), display_name="m")
    zipped = catalog.iter_zip(entry.id)
    first = next(zipped)  # the first local header: no blob has been opened yet
    assert first.startswith(b"PK\x03\x04")
    catalog.delete(entry.id)
    with pytest.raises(ModelNotFound, match="deleted while its artifact was being read") as err:
        list(zipped)
    assert err.value.details["model_id"] == entry.id

    again = catalog.save(make_artifact(files=files), display_name="m")
    downloading = iter([None])

    def delete_midway(done, total):  # after the first file is written
        if done >= len(files["a.bin"]) and next(downloading, 1) is None:
            catalog.delete(again.id)

    with pytest.raises(ModelNotFound, match="deleted"):
        catalog.download(again.id, tmp_path / "out", progress=delete_midway)
    assert not (tmp_path / "out").exists()

    live = catalog.save(make_artifact(files=files), display_name="m")
    catalog.backend.blobs.delete(_sha(live, "b.bin"))
    with pytest.raises(DamagedArtifact, match="missing"):
        list(catalog.iter_zip(live.id))
