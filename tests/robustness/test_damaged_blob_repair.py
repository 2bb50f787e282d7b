"""Issue 19, item 1: a save of bytes already stored never trusts a stored blob it has not
checked.  A damaged blob is repaired by the next save of the same content (every entry
that references it heals), instead of the new entry inheriting the damage."""
from __future__ import annotations

import os

import pytest

from model_catalog_ext.errors import DamagedArtifact
from tests.catalog.test_chunk_digests import _as_before_0005
from tests.catalog.test_tamper import CHUNK, _flip, _sha

BIG = 3 * CHUNK + 100


def _intact(svc, entry, files: dict[str, bytes]) -> None:
    for path, data in files.items():
        assert b"".join(svc.iter_file(entry.id, path)) == data, path
    assert svc.verify(entry.id) == []


@pytest.mark.parametrize("path, size, offset", [
    ("big.bin", BIG, 2 * CHUNK + 5),  # many chunks: found by its chunk digests
    ("big.bin", BIG, BIG - 1),  # the last, short chunk
    ("small.bin", 1000, 17),  # one chunk: found by its sha256
])
def test_saving_the_same_bytes_again_repairs_a_damaged_blob(catalog, make_artifact, path, size, offset):
    files = {path: os.urandom(size)}
    first = catalog.save(make_artifact(files=files), display_name="first")
    _flip(catalog, _sha(first, path), offset)
    with pytest.raises(DamagedArtifact):
        b"".join(catalog.iter_file(first.id, path))

    again = catalog.save(make_artifact(files=files), display_name="saved again from its source")

    assert again.artifact_digest == first.artifact_digest  # still one blob for the two entries
    _intact(catalog, again, files)
    _intact(catalog, first, files)  # healed too: it references the same, now repaired, blob
    assert catalog.verify() == []


def test_a_damaged_blob_is_repaired_when_another_artifact_holds_the_same_bytes(catalog, make_artifact):
    data = os.urandom(BIG)
    first = catalog.save(make_artifact(files={"weights.bin": data}), display_name="first")
    _flip(catalog, _sha(first, "weights.bin"), CHUNK)

    other = catalog.save(make_artifact(files={"nested/copy.bin": data, "readme.txt": b"other artifact"}),
                         display_name="another model with the same weights")

    _intact(catalog, other, {"nested/copy.bin": data})
    _intact(catalog, first, {"weights.bin": data})


def test_a_blob_damaged_to_a_different_length_is_repaired(sqlite_catalog, make_artifact):
    data = os.urandom(BIG)
    first = sqlite_catalog.save(make_artifact(files={"big.bin": data}), display_name="first")
    location = sqlite_catalog.backend.blobs.location(_sha(first, "big.bin"))
    os.chmod(location, 0o644)
    with open(location, "r+b") as f:
        f.truncate(BIG - CHUNK)

    sqlite_catalog.save(make_artifact(files={"big.bin": data}), display_name="again")

    _intact(sqlite_catalog, first, {"big.bin": data})


def test_a_damaged_blob_with_sha256_chunk_digests_is_repaired_too(sqlite_catalog, make_artifact):
    """Blobs stored before migration 0005 are found by their whole sha256, not chunk digests."""
    data = os.urandom(BIG)
    first = sqlite_catalog.save(make_artifact(files={"big.bin": data}), display_name="first")
    _as_before_0005(sqlite_catalog, _sha(first, "big.bin"), data)
    _flip(sqlite_catalog, _sha(first, "big.bin"), 5)

    sqlite_catalog.save(make_artifact(files={"big.bin": data}), display_name="again")

    _intact(sqlite_catalog, first, {"big.bin": data})


def test_a_resave_of_an_intact_blob_still_writes_nothing(sqlite_catalog, make_artifact):
    data = os.urandom(BIG)
    first = sqlite_catalog.save(make_artifact(files={"big.bin": data, "small.bin": b"s" * 100}),
                                display_name="first")
    before = {p: os.stat(sqlite_catalog.backend.blobs.location(_sha(first, p))) for p in ("big.bin", "small.bin")}
    sqlite_catalog.save(make_artifact(files={"big.bin": data, "small.bin": b"s" * 100}), display_name="again")
    for path, st in before.items():
        now = os.stat(sqlite_catalog.backend.blobs.location(_sha(first, path)))
        assert (now.st_ino, now.st_mtime_ns) == (st.st_ino, st.st_mtime_ns), path  # the same file, untouched
