"""Issue 19, item 2: a file rewritten in place (same size) while a save reads it must not be
stored torn -- a mixture of old and new bytes whose sha256 verify() could never question.
The save is refused with the message a truncated file already gets, and stores nothing."""
from __future__ import annotations

import os

import pytest

from model_catalog_ext.errors import InvalidArtifact

CHUNK = 4 * 1024 * 1024
AN_HOUR_AGO = -3600 * 10**9


def _big_artifact(make_artifact, size: int = 3 * CHUNK + 5):
    art = make_artifact(files={"big.bin": os.urandom(size)})
    # Written long ago, as a model file usually is: a rewrite now changes its times even on a
    # filesystem with coarse timestamps.
    past = os.stat(art / "big.bin").st_mtime_ns + AN_HOUR_AGO
    os.utime(art / "big.bin", ns=(past, past))
    return art


def _rewrite_in_place(path) -> None:
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.write(os.urandom(size))


def test_a_file_rewritten_while_it_is_read_is_refused(catalog, make_artifact, snap):
    art = _big_artifact(make_artifact)
    before = snap(catalog)
    rewritten = []

    def rewrite_after_the_first_chunk(done: int, total: int) -> None:
        if done >= CHUNK and not rewritten:
            _rewrite_in_place(art / "big.bin")
            rewritten.append(done)

    with pytest.raises(InvalidArtifact, match="'big.bin' changed while it was being saved") as err:
        catalog.save(art, display_name="torn", progress=rewrite_after_the_first_chunk)
    assert rewritten and err.value.details["path"] == "big.bin"
    assert snap(catalog) == before  # no entry, no blob, no temporary file


def test_a_file_rewritten_before_it_is_read_is_refused(sqlite_catalog, make_artifact, snap):
    """Listed, then changed before the save reaches it: the entry would mix files from before
    and after the change."""
    art = _big_artifact(make_artifact)
    before = snap(sqlite_catalog)

    def rewrite_at_the_start(done: int, total: int) -> None:
        if done == 0:
            _rewrite_in_place(art / "big.bin")

    with pytest.raises(InvalidArtifact, match="'big.bin' changed while it was being saved"):
        sqlite_catalog.save(art, display_name="changed", progress=rewrite_at_the_start)
    assert snap(sqlite_catalog) == before


def test_a_change_is_refused_when_the_bytes_are_stored_already_too(sqlite_catalog, make_artifact):
    art = _big_artifact(make_artifact)
    first = sqlite_catalog.save(art, display_name="first")
    kept = (art / "big.bin").read_bytes()

    def rewrite_at_the_start(done: int, total: int) -> None:
        if done == 0:  # the re-save hashes it to look it up among the stored blobs
            _rewrite_in_place(art / "big.bin")

    with pytest.raises(InvalidArtifact, match="changed while it was being saved"):
        sqlite_catalog.save(art, display_name="again", progress=rewrite_at_the_start)
    assert b"".join(sqlite_catalog.iter_file(first.id, "big.bin")) == kept


def test_an_unchanged_artifact_still_saves(catalog, make_artifact):
    art = _big_artifact(make_artifact)
    entry = catalog.save(art, display_name="fine", progress=lambda done, total: None)
    assert b"".join(catalog.iter_file(entry.id, "big.bin")) == (art / "big.bin").read_bytes()
