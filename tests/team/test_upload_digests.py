"""Completing an upload whose parts this process received in order uses the digests taken as
they arrived instead of reading the parts back; any other case (parts through another
instance or a restart, out of order, sent again with other bytes) reads them back, and every
file's sha256 is checked either way before the model is saved."""
from __future__ import annotations

import hashlib
import os

import pytest

from model_catalog_ext.catalog import staging as staging_module
from model_catalog_ext.catalog import upload_digests
from model_catalog_ext.catalog.upload_digests import ReceivedDigests
from model_catalog_ext.catalog.upload_sessions import MIN_PART_SIZE
from model_catalog_ext.errors import InvalidArtifact

from .test_resumable_uploads import SCORE
from .test_upload_complete_once import catalog  # noqa: F401 - the fixture: SQLite + files, PostgreSQL + S3

MODEL = os.urandom(2 * MIN_PART_SIZE + 1234)  # model.bin (file 0): three parts
PARTS = [MODEL[:MIN_PART_SIZE], MODEL[MIN_PART_SIZE:2 * MIN_PART_SIZE], MODEL[2 * MIN_PART_SIZE:]]


@pytest.fixture(autouse=True)
def fresh_digests(monkeypatch):
    """This test's own running digests (and a count of the files read back to hash them)."""
    monkeypatch.setattr(upload_digests, "RECEIVED", ReceivedDigests())
    monkeypatch.setattr("model_catalog_ext.catalog.upload_sessions.RECEIVED", upload_digests.RECEIVED)
    read_back = []
    real = staging_module._hash_parts

    def hash_parts(staging, session, parts, size, sink=None):
        read_back.append(size)
        return real(staging, session, parts, size, sink)

    monkeypatch.setattr(staging_module, "_hash_parts", hash_parts)
    return read_back


def open_upload(catalog) -> str:
    files = [{"path": "score.py", "size": len(SCORE), "sha256": hashlib.sha256(SCORE).hexdigest()},
             {"path": "model.bin", "size": len(MODEL), "sha256": hashlib.sha256(MODEL).hexdigest()}]
    return catalog.upload_sessions().open(None, {"display_name": "digested"}, files, part_size=MIN_PART_SIZE)["id"]


def send(catalog, upload: str, file: int, number: int, data: bytes, announced: bytes | None = None) -> None:
    sessions = catalog.upload_sessions()
    sha = hashlib.sha256(announced if announced is not None else data).hexdigest()
    writer = sessions.part_writer(None, upload, file, number, sha, len(data))
    try:
        for i in range(0, len(data), 1024 * 1024):
            writer.write(data[i:i + 1024 * 1024])
        writer.finish()
    except BaseException:
        writer.abort()
        raise
    sessions.part_received(upload, file, number, sha)


def saved_intact(catalog, entry) -> None:
    assert b"".join(catalog.iter_file(entry.id, "model.bin")) == MODEL
    assert catalog.verify() == []
    assert [e.id for e in catalog.list(state="ALL").items] == [entry.id]


def test_parts_received_in_order_are_not_read_back(catalog, fresh_digests):
    upload = open_upload(catalog)
    for number, data in enumerate(PARTS):
        send(catalog, upload, 0, number, data)
    send(catalog, upload, 1, 0, SCORE)
    entry = catalog.upload_sessions().complete(None, upload)
    assert fresh_digests == []  # neither file was read back to be hashed
    saved_intact(catalog, entry)


def test_parts_through_another_process_are_read_back(catalog, fresh_digests, monkeypatch):
    upload = open_upload(catalog)
    send(catalog, upload, 0, 0, PARTS[0])
    # The next parts go through another instance (or this one restarted): its digests are not here.
    monkeypatch.setattr("model_catalog_ext.catalog.upload_sessions.RECEIVED", ReceivedDigests())
    send(catalog, upload, 0, 1, PARTS[1])
    send(catalog, upload, 0, 2, PARTS[2])
    monkeypatch.setattr("model_catalog_ext.catalog.upload_sessions.RECEIVED", upload_digests.RECEIVED)
    send(catalog, upload, 1, 0, SCORE)
    entry = catalog.upload_sessions().complete(None, upload)
    assert fresh_digests == [len(MODEL)]  # model.bin read back; score.py (all here) not
    saved_intact(catalog, entry)


def test_parts_out_of_order_are_read_back(catalog, fresh_digests):
    upload = open_upload(catalog)
    for number in (1, 0, 2):
        send(catalog, upload, 0, number, PARTS[number])
    send(catalog, upload, 1, 0, SCORE)
    entry = catalog.upload_sessions().complete(None, upload)
    assert fresh_digests == [len(MODEL)]
    saved_intact(catalog, entry)


def test_a_part_sent_again_with_other_bytes_is_read_back(catalog, fresh_digests):
    """Part 1 replaced after part 2 came: the digests taken cover bytes no longer there."""
    upload = open_upload(catalog)
    wrong = os.urandom(MIN_PART_SIZE)
    for number, data in enumerate([PARTS[0], wrong, PARTS[2]]):
        send(catalog, upload, 0, number, data)
    send(catalog, upload, 0, 1, PARTS[1])
    send(catalog, upload, 1, 0, SCORE)
    entry = catalog.upload_sessions().complete(None, upload)
    assert fresh_digests == [len(MODEL)]
    saved_intact(catalog, entry)


def test_intact_parts_in_each_others_places_are_refused_and_put_right_complete(catalog, fresh_digests):
    upload = open_upload(catalog)
    for number, data in enumerate([PARTS[1], PARTS[0], PARTS[2]]):  # each intact, two swapped
        send(catalog, upload, 0, number, data)
    send(catalog, upload, 1, 0, SCORE)
    with pytest.raises(InvalidArtifact, match="model.bin"):
        catalog.upload_sessions().complete(None, upload)
    assert catalog.list(state="ALL").items == []
    assert fresh_digests == []  # refused from the digests taken on the way
    for number, data in enumerate(PARTS):
        send(catalog, upload, 0, number, data)
    entry = catalog.upload_sessions().complete(None, upload)
    saved_intact(catalog, entry)


def test_a_refused_part_leaves_no_digest_behind(catalog, fresh_digests):
    upload = open_upload(catalog)
    send(catalog, upload, 0, 0, PARTS[0])
    with pytest.raises(InvalidArtifact, match="sha256 announced"):
        send(catalog, upload, 0, 1, os.urandom(MIN_PART_SIZE), announced=PARTS[1])
    send(catalog, upload, 0, 1, PARTS[1])  # continues no digest: the refused bytes went into it
    send(catalog, upload, 0, 2, PARTS[2])
    send(catalog, upload, 1, 0, SCORE)
    entry = catalog.upload_sessions().complete(None, upload)
    assert fresh_digests == [len(MODEL)]
    saved_intact(catalog, entry)


def test_the_digests_kept_are_bounded():
    received = ReceivedDigests(max_files=2)
    for upload in ("a", "b", "c"):
        running = received.start_part(upload, 0, 0, 1024)
        running.update(b"x" * 10)
        received.part_done(upload, 0, running, "s" * 64)
    assert len(received._files) == 2 and ("a", 0) not in received._files  # the oldest went
