"""Chunk digests: BLAKE3 for new blobs, sha256 for blobs stored before migration 0005, and
each checked with the function its blob's row names."""
from __future__ import annotations

import hashlib
import os

import pytest
import sqlalchemy as sa
from blake3 import blake3

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.catalog.migrate import HEAD_REVISION, current_revision
from model_catalog_ext.catalog.tables import blobs
from model_catalog_ext.errors import CatalogUnavailable, DamagedArtifact
from tests.catalog.test_tamper import CHUNK, _flip, _sha


@pytest.fixture
def catalog(sql_catalog):
    """These tests reach into the SQL store (its tables and blob files), so they run on it only."""
    return sql_catalog


def _row(svc, sha256: str):
    with svc.backend.engine.connect() as conn:
        return conn.execute(sa.select(blobs).where(blobs.c.sha256 == sha256)).one()


def _chunks(data: bytes) -> list[bytes]:
    return [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]


def test_new_blobs_carry_one_blake3_digest_per_chunk(catalog, make_artifact):
    big = os.urandom(2 * CHUNK + 3)
    entry = catalog.save(make_artifact(files={"big.bin": big}), display_name="m")
    sha = _sha(entry, "big.bin")
    assert sha == hashlib.sha256(big).hexdigest()  # the content address stays sha256
    row = _row(catalog, sha)
    assert row.chunk_hash == "blake3"
    assert bytes(row.chunk_digests) == b"".join(blake3(c).digest() for c in _chunks(big))
    assert b"".join(catalog.iter_file(entry.id, "big.bin")) == big


def _as_before_0005(svc, sha256: str, data: bytes) -> None:
    """Give the blob's row what a catalog from before migration 0005 holds: sha256 chunk digests."""
    with svc.backend.engine.begin() as conn:
        conn.execute(blobs.update().where(blobs.c.sha256 == sha256).values(
            chunk_hash="sha256", chunk_digests=b"".join(hashlib.sha256(c).digest() for c in _chunks(data))))


@pytest.mark.parametrize("reuse_buffers", [False, True])
def test_sha256_chunk_digests_of_older_blobs_are_still_checked_chunk_by_chunk(sqlite_catalog, make_artifact,
                                                                             reuse_buffers):
    big = os.urandom(4 * CHUNK + 10)
    entry = sqlite_catalog.save(make_artifact(files={"big.bin": big}), display_name="m")
    sha = _sha(entry, "big.bin")
    _as_before_0005(sqlite_catalog, sha, big)
    assert b"".join(sqlite_catalog.iter_file(entry.id, "big.bin", reuse_buffers=reuse_buffers)) == big
    _flip(sqlite_catalog, sha, 3 * CHUNK + 1)
    served = bytearray()
    with pytest.raises(DamagedArtifact, match="bytes 12582912-16777215 do not match their recorded digest"):
        for chunk in sqlite_catalog.iter_file(entry.id, "big.bin", reuse_buffers=reuse_buffers):
            served += chunk
    assert served == big[:3 * CHUNK]


def test_object_storage_checks_older_sha256_chunk_digests_too(catalog, make_artifact):
    big = os.urandom(2 * CHUNK + 10)
    entry = catalog.save(make_artifact(files={"big.bin": big}), display_name="m")
    _as_before_0005(catalog, _sha(entry, "big.bin"), big)
    assert b"".join(catalog.iter_file(entry.id, "big.bin")) == big
    _flip(catalog, _sha(entry, "big.bin"), CHUNK + 7)
    with pytest.raises(DamagedArtifact):
        b"".join(catalog.iter_file(entry.id, "big.bin"))


def test_upgrading_from_0004_keeps_every_blob_readable_and_checked(tmp_path, make_artifact):
    from alembic import command

    from model_catalog_ext.catalog.migrate import alembic_config

    big = os.urandom(3 * CHUNK + 5)
    url = f"sqlite:///{tmp_path}/c.db"
    svc = open_catalog(url, str(tmp_path / "blobs"))
    entry = svc.save(make_artifact(files={"big.bin": big}), display_name="m")
    with svc.backend.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0004_version_sets")
    with svc.backend.engine.connect() as conn:  # 0004 knew sha256 chunk digests only: the BLAKE3 ones went
        assert conn.execute(sa.text("SELECT length(chunk_digests) FROM blobs WHERE size > 4194304")).scalar() == 0
    svc.close()

    svc = open_catalog(url, str(tmp_path / "blobs"))  # upgrades
    assert current_revision(svc.backend.engine) == HEAD_REVISION
    assert _row(svc, _sha(entry, "big.bin")).chunk_hash == "sha256"
    assert b"".join(svc.iter_file(entry.id, "big.bin")) == big  # checked whole, then served
    _flip(svc, _sha(entry, "big.bin"), 2 * CHUNK)
    served = bytearray()
    with pytest.raises(DamagedArtifact):
        for chunk in svc.iter_file(entry.id, "big.bin"):
            served += chunk
    assert big[2 * CHUNK:3 * CHUNK] not in served
    svc.close()


def test_chunk_digests_this_python_cannot_check_are_refused_with_what_to_do(sqlite_catalog, make_artifact):
    big = os.urandom(CHUNK + 1)
    entry = sqlite_catalog.save(make_artifact(files={"big.bin": big}), display_name="m")
    with sqlite_catalog.backend.engine.begin() as conn:
        conn.execute(blobs.update().values(chunk_hash="blake9"))
    served = []
    with pytest.raises(CatalogUnavailable, match="blake9 chunk digests, which this Python cannot check"):
        for chunk in sqlite_catalog.iter_file(entry.id, "big.bin"):
            served.append(chunk)
    assert served == []


def test_resaving_identical_bytes_is_found_by_chunk_digests_without_a_write(sqlite_catalog, make_artifact,
                                                                          monkeypatch):
    from model_catalog_ext.catalog import blobstore

    big = os.urandom(2 * CHUNK + 9)
    first = sqlite_catalog.save(make_artifact(files={"big.bin": big}), display_name="m")
    other = bytearray(big)
    other[CHUNK + 1] ^= 1  # the same size, one bit apart
    passes = []
    monkeypatch.setattr(blobstore, "_sha256_only", lambda *a: passes.append("sha256") or hashlib.sha256(big).hexdigest())
    real_write = blobstore.LocalBlobStore._write_stream
    monkeypatch.setattr(blobstore.LocalBlobStore, "_write_stream",
                        lambda self, name, *a: passes.append(f"write {name}") or real_write(self, name, *a))

    again = sqlite_catalog.save(make_artifact(files={"big.bin": big}), display_name="m again")
    assert again.artifact_digest == first.artifact_digest and passes == []
    changed = sqlite_catalog.save(make_artifact(files={"big.bin": bytes(other)}), display_name="m changed")
    assert passes == ["write big.bin"]  # not mistaken for the stored blob
    assert b"".join(sqlite_catalog.iter_file(changed.id, "big.bin")) == bytes(other)

    passes.clear()  # blobs from before 0005 (sha256 chunk digests) are found by their sha256
    _as_before_0005(sqlite_catalog, _sha(first, "big.bin"), big)
    _as_before_0005(sqlite_catalog, _sha(changed, "big.bin"), bytes(other))
    sqlite_catalog.save(make_artifact(files={"big.bin": big}), display_name="m once more")
    assert passes == ["sha256"]
