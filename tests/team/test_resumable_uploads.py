"""Resumable uploads through real service instances on PostgreSQL + S3 (moto): an upload cut
by a SIGKILL of its instance goes on through another one and makes exactly one model; parts
and files that are not the bytes announced are refused and nothing becomes visible; what a
killed or abandoned upload left in the bucket is collected."""
from __future__ import annotations

import base64
import hashlib
import os
import time

import pytest
from service_process import SERVICE_TOKEN

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.catalog.http_backend import resumable
from model_catalog_ext.catalog.http_backend.transport import Transport
from model_catalog_ext.errors import CatalogUnavailable, InvalidArtifact, InvalidInput

from .pg_s3 import admin_catalog, bucket_leftovers, kill, start_instances, stop_instances

MiB = 1024 * 1024
PART = 12 * MiB  # over s3fs's 8 MiB write block: a part cut short leaves an unfinished multipart upload
REAL_CHUNKS, REAL_SEND = resumable._chunks, resumable.ResumableUpload._send_part
SCORE = b"def load_model():\n    return 1\n\ndef predict(data, model=None):\n    return {'prediction': [1]}\n"


@pytest.fixture
def services(tmp_path, pg_url, s3_root, moto_endpoint):
    started = start_instances(tmp_path, pg_url, s3_root, moto_endpoint)
    yield started
    stop_instances(started)


@pytest.fixture
def in_parts(monkeypatch):
    """Every save goes in 12 MiB parts, and gives up quickly on an instance that is gone."""
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", SERVICE_TOKEN)
    monkeypatch.setattr(resumable, "RESUMABLE_FROM", 1)
    monkeypatch.setattr(resumable, "PART_SIZE", PART)
    monkeypatch.setattr(resumable, "ATTEMPTS", 4)
    monkeypatch.setattr(resumable, "FIRST_WAIT", 0.1)


@pytest.fixture
def artifact(tmp_path):
    folder = tmp_path / "artifact"
    folder.mkdir()
    (folder / "score.py").write_bytes(SCORE)
    with open(folder / "model.bin", "wb") as f:  # 3 parts: 12 + 12 + 6 MiB
        for _ in range(30):
            f.write(os.urandom(MiB))
    return folder


def count_sent_parts(monkeypatch) -> list:
    sent = []

    def spy(self, upload, index, number, source_file, length):
        REAL_SEND(self, upload, index, number, source_file, length)
        sent.append((source_file.path, number))

    monkeypatch.setattr(resumable.ResumableUpload, "_send_part", spy)
    return sent


def kill_during_part(monkeypatch, service, part: int, after_bytes: int, s3_root=None) -> None:
    """SIGKILL ``service`` while the client is sending part ``part`` of model.bin, once
    ``after_bytes`` of it went out (and, with ``s3_root``, once the service began writing
    it to the bucket as a multipart upload)."""
    sending = {}

    def send_part(self, upload, index, number, source_file, length):
        sending["part"] = (source_file.path, number)
        REAL_SEND(self, upload, index, number, source_file, length)

    def chunks(stream, length):
        sent = 0
        for chunk in REAL_CHUNKS(stream, length):
            yield chunk
            sent += len(chunk)
            if sending["part"] == ("model.bin", part) and sent >= after_bytes and service.process.poll() is None:
                deadline = time.monotonic() + 10
                while s3_root is not None and not bucket_leftovers(s3_root)[1] and time.monotonic() < deadline:
                    time.sleep(0.05)
                kill(service)

    monkeypatch.setattr(resumable.ResumableUpload, "_send_part", send_part)
    monkeypatch.setattr(resumable, "_chunks", chunks)


def test_an_upload_cut_by_a_killed_instance_resumes_through_another(services, in_parts, artifact, monkeypatch,
                                                                      pg_url, s3_root):
    first, second = services
    kill_during_part(monkeypatch, first, part=1, after_bytes=10 * MiB, s3_root=s3_root)
    with pytest.raises(CatalogUnavailable):
        open_catalog(first.url).save(artifact, display_name="resumed", description="big")
    monkeypatch.setattr(resumable, "_chunks", REAL_CHUNKS)
    monkeypatch.setattr(resumable.ResumableUpload, "_send_part", REAL_SEND)
    catalog = open_catalog(second.url)
    assert catalog.list(state="ALL").items == []  # nothing half-visible
    sent = count_sent_parts(monkeypatch)
    entry = catalog.save(artifact, display_name="resumed", description="big")
    # Part 0 of model.bin arrived before the kill: it does not travel again.
    assert sorted(sent) == [("model.bin", 1), ("model.bin", 2), ("score.py", 0)]
    assert [e.id for e in catalog.list(state="ALL").items] == [entry.id]
    assert b"".join(catalog.iter_file(entry.id, "model.bin")) == (artifact / "model.bin").read_bytes()
    assert admin_catalog(pg_url, s3_root).verify() == []
    # The part cut by the kill never appeared, but its unfinished upload sits in the bucket.
    staged, unfinished = bucket_leftovers(s3_root)
    assert unfinished, "the killed part should have left an unfinished multipart upload"
    result = admin_catalog(pg_url, s3_root).collect_garbage(tmp_grace_seconds=0)
    assert result["aborted_multipart_uploads"] >= 1
    staged, unfinished = bucket_leftovers(s3_root)
    assert staged == [] and unfinished == []
    assert b"".join(catalog.iter_file(entry.id, "model.bin")) == (artifact / "model.bin").read_bytes()


def test_an_abandoned_upload_is_collected_and_never_visible(services, in_parts, artifact, monkeypatch, pg_url,
                                                            s3_root):
    first, second = services
    kill_during_part(monkeypatch, first, part=2, after_bytes=2 * MiB)
    with pytest.raises(CatalogUnavailable):
        open_catalog(first.url).save(artifact, display_name="abandoned")
    staged, _ = bucket_leftovers(s3_root)
    assert len([key for key in staged if not key.endswith("session.json")]) == 2  # parts 0 and 1
    admin = admin_catalog(pg_url, s3_root)
    assert admin.collect_garbage()["removed_uploads"] == 0  # an hour's grace: it may still be resumed
    assert admin.collect_garbage(tmp_grace_seconds=0)["removed_uploads"] == 1
    assert bucket_leftovers(s3_root) == ([], [])
    assert open_catalog(second.url).list(state="ALL").items == [] and admin.stats()["stored_bytes"] == 0


def _digest_header(data: bytes) -> str:
    return f"sha-256=:{base64.b64encode(hashlib.sha256(data).digest()).decode()}:"


def _put(http: Transport, upload: str, file: int, part: int, data: bytes, digest_of: bytes | None = None):
    response = http.open("PUT", http.path("uploads", upload, "files", str(file), "parts", str(part)), data,
                         {"Content-Length": str(len(data)), "Content-Digest": _digest_header(digest_of or data)})
    response.read()
    response.close()


def _open_upload(http: Transport, model: bytes) -> dict:
    files = [{"path": "score.py", "size": len(SCORE), "sha256": hashlib.sha256(SCORE).hexdigest()},
             {"path": "model.bin", "size": len(model), "sha256": hashlib.sha256(model).hexdigest()}]
    status = http.call("POST", "uploads", json_body={"metadata": {"display_name": "checked"}, "files": files,
                                                     "part_size": 5 * MiB})
    assert [f["path"] for f in status["files"]] == ["model.bin", "score.py"]  # by path: the indexes parts use
    return status


def test_a_part_with_another_digest_and_swapped_parts_are_refused(services, in_parts, pg_url, s3_root):
    http = Transport(services[0].url, SERVICE_TOKEN)
    model = os.urandom(10 * MiB)
    first, second = model[:5 * MiB], model[5 * MiB:]
    status = _open_upload(http, model)
    upload = status["id"]
    with pytest.raises(InvalidArtifact, match="sha256 announced"):
        _put(http, upload, 0, 0, first, digest_of=second)
    with pytest.raises(InvalidInput, match="is 5242880 bytes, not 5242879"):
        _put(http, upload, 0, 0, first[:-1])  # a short part: refused by its Content-Length
    assert http.call("GET", "uploads", upload)["received"] == []
    # Each part is intact, but in the other's place: the file's sha256 finds it out.
    _put(http, upload, 0, 0, second)
    _put(http, upload, 0, 1, first)
    _put(http, upload, 1, 0, SCORE)
    with pytest.raises(InvalidArtifact, match="model.bin"):
        http.call("POST", "uploads", upload, "complete")
    admin = admin_catalog(pg_url, s3_root)
    assert admin.list(state="ALL").items == [] and admin.stats()["stored_bytes"] == 0
    # Put right, the same session completes, once: completing again answers the same model.
    _put(http, upload, 0, 0, first)
    _put(http, upload, 0, 1, second)
    entry = http.call("POST", "uploads", upload, "complete")
    assert http.call("POST", "uploads", upload, "complete")["id"] == entry["id"]
    assert [e.id for e in admin.list(state="ALL").items] == [entry["id"]]
    assert b"".join(admin.iter_file(entry["id"], "model.bin")) == model


def test_an_upload_is_its_owners_alone_and_checked_before_a_byte(services, in_parts):
    http = Transport(services[1].url, SERVICE_TOKEN)
    status = _open_upload(http, b"x" * 100)
    upload = status["id"]
    with pytest.raises(Exception, match="No upload session"):
        http.call("GET", "uploads", "0" * 32)
    bad = {"metadata": {"display_name": "x"}, "files": [{"path": "../evil.py", "size": 1, "sha256": "0" * 64}]}
    with pytest.raises(InvalidArtifact, match="climbs out"):
        http.call("POST", "uploads", json_body=bad)
    no_score = {"metadata": {"display_name": "x"}, "files": [{"path": "a.bin", "size": 1, "sha256": "0" * 64}]}
    with pytest.raises(InvalidArtifact, match="score.py"):
        http.call("POST", "uploads", json_body=no_score)
    with pytest.raises(Exception, match="Content-Digest"):
        response = http.open("PUT", http.path("uploads", upload, "files", "0", "parts", "0"), b"x" * 100,
                             {"Content-Length": "100"})
        response.close()
    http.call("DELETE", "uploads", upload)
    with pytest.raises(Exception, match="No upload session"):
        http.call("GET", "uploads", upload)
