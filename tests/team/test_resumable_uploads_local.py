"""Resumable uploads into a catalog whose blobs are a local folder (a service over SQLite):
the parts wait in the blob store's uploads/ folder, a save in parts makes one intact model
and leaves nothing there, and an abandoned upload is collected once past its grace period."""
from __future__ import annotations

import os

import pytest
from service_process import SERVICE_TOKEN, start_service, stop_service

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.catalog.http_backend import resumable
from model_catalog_ext.errors import CatalogUnavailable

MiB = 1024 * 1024


@pytest.fixture
def service(tmp_path, monkeypatch):
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", SERVICE_TOKEN)
    monkeypatch.setattr(resumable, "RESUMABLE_FROM", 1)
    monkeypatch.setattr(resumable, "PART_SIZE", 5 * MiB)
    started = start_service(tmp_path / "service")
    yield started
    stop_service(started)


@pytest.fixture
def artifact(tmp_path):
    folder = tmp_path / "artifact"
    folder.mkdir()
    (folder / "score.py").write_text("def load_model():\n    return 1\n\ndef predict(data, model=None):\n"
                                     "    return {}\n")
    (folder / "model.bin").write_bytes(os.urandom(11 * MiB))  # 3 parts
    (folder / "empty.txt").write_bytes(b"")  # no part at all
    return folder


def staged(tmp_path) -> list[str]:
    uploads = tmp_path / "service" / "blobs" / "uploads"
    return sorted(str(p.relative_to(uploads)) for p in uploads.rglob("*") if p.is_file())


def test_a_save_in_parts_makes_one_intact_model_and_leaves_nothing(service, artifact, tmp_path):
    catalog = open_catalog(service.url)
    entry = catalog.save(artifact, display_name="in parts")
    assert {m["path"] for m in entry.manifest} == {"score.py", "model.bin", "empty.txt"}
    out = catalog.download(entry.id, tmp_path / "out")
    assert (out / "model.bin").read_bytes() == (artifact / "model.bin").read_bytes()
    assert (out / "empty.txt").read_bytes() == b""
    assert [p for p in staged(tmp_path) if not p.endswith(("session.json", "done.json"))] == []
    admin = open_catalog(service.catalog_url, str(tmp_path / "service" / "blobs"))
    assert admin.verify() == []
    assert admin.collect_garbage(tmp_grace_seconds=0)["removed_uploads"] == 1  # the finished session's record
    assert staged(tmp_path) == []


def test_an_abandoned_upload_is_collected_after_its_grace(service, artifact, tmp_path, monkeypatch):
    calls = []
    real = resumable.ResumableUpload._send_part

    def fail_third(self, *args):
        calls.append(args)
        if len(calls) == 3:
            raise CatalogUnavailable("the network went away")
        return real(self, *args)

    monkeypatch.setattr(resumable.ResumableUpload, "_send_part", fail_third)
    monkeypatch.setattr(resumable, "ATTEMPTS", 1)
    with pytest.raises(CatalogUnavailable):
        open_catalog(service.url).save(artifact, display_name="abandoned")
    assert len([p for p in staged(tmp_path) if not p.endswith("session.json")]) == 2
    admin = open_catalog(service.catalog_url, str(tmp_path / "service" / "blobs"))
    assert admin.collect_garbage()["removed_uploads"] == 0  # within the hour's grace: still resumable
    assert admin.collect_garbage(tmp_grace_seconds=0)["removed_uploads"] == 1
    assert staged(tmp_path) == [] and admin.list(state="ALL").items == []


def test_a_second_complete_while_the_first_runs_waits_for_the_same_model(service, tmp_path):
    """A client that asks to complete again (its first answer lost) while the first request is
    still checking the bytes is told to wait (503, details.completing), and both end with the
    one model the first made."""
    import hashlib
    import threading
    import time

    from model_catalog_ext.catalog.http_backend.transport import Transport
    from tests.team.test_resumable_uploads import SCORE, _put

    http = Transport(service.url, SERVICE_TOKEN)
    model = os.urandom(200 * MiB)  # long enough to check that the second request arrives meanwhile
    files = [{"path": "score.py", "size": len(SCORE), "sha256": hashlib.sha256(SCORE).hexdigest()},
             {"path": "model.bin", "size": len(model), "sha256": hashlib.sha256(model).hexdigest()}]
    upload = http.call("POST", "uploads", json_body={"metadata": {"display_name": "twice"}, "files": files,
                                                     "part_size": 100 * MiB})["id"]
    _put(http, upload, 0, 0, model[:100 * MiB])
    _put(http, upload, 0, 1, model[100 * MiB:])
    _put(http, upload, 1, 0, SCORE)
    first = {}
    worker = threading.Thread(target=lambda: first.update(http.call("POST", "uploads", upload, "complete")))
    worker.start()
    deadline = time.monotonic() + 30
    while not http.call("GET", "uploads", upload)["completing"] and not first and time.monotonic() < deadline:
        time.sleep(0.005)
    if first:
        worker.join()
        pytest.skip("the first complete ended before a second could be sent (a very fast disk)")
    with pytest.raises(CatalogUnavailable) as waiting:
        http.call("POST", "uploads", upload, "complete")
    assert waiting.value.details.get("completing") is True
    worker.join()
    assert http.call("GET", "uploads", upload)["model_id"] == first["id"]
    assert http.call("POST", "uploads", upload, "complete")["id"] == first["id"]
    assert [e.id for e in open_catalog(service.url).list(state="ALL").items] == [first["id"]]
