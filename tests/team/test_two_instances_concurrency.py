"""Two service instances on one PostgreSQL database and one S3 bucket, several clients at
once through both: concurrent new versions never share a version number, edits guarded by
etags lose no update, and concurrent deletes delete each model once, leaving no blob."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from service_process import SERVICE_TOKEN

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.errors import Conflict, ModelNotFound

from .pg_s3 import admin_catalog, start_instances, stop_instances

CLIENTS = 6
SCORE = "def load_model():\n    return 1\n\ndef predict(data, model=None):\n    return {'prediction': [1]}\n"


@pytest.fixture
def clients(tmp_path, pg_url, s3_root, moto_endpoint, monkeypatch):
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", SERVICE_TOKEN)
    services = start_instances(tmp_path, pg_url, s3_root, moto_endpoint)
    # Each client has its own connection to one of the two instances, alternating.
    yield [open_catalog(services[i % 2].url) for i in range(CLIENTS)]
    stop_instances(services)


def artifact(tmp_path, name: str, payload: bytes):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "score.py").write_text(SCORE)
    (folder / "model.pkl").write_bytes(payload)
    return folder


def run_all(clients, work):
    with ThreadPoolExecutor(len(clients)) as pool:
        return [f.result() for f in [pool.submit(work, i, c) for i, c in enumerate(clients)]]


def test_concurrent_versions_edits_and_deletes_lose_nothing(clients, tmp_path, pg_url, s3_root):
    base = clients[0].save(artifact(tmp_path, "base", b"v1"), display_name="contended", description="0")
    folders = [artifact(tmp_path, f"a{i}", f"client {i}".encode()) for i in range(CLIENTS)]
    start = threading.Barrier(CLIENTS)

    def add_versions(i, catalog):
        start.wait()
        return [catalog.save(folders[i], display_name="contended", as_new_version_of=base.id).version
                for _ in range(3)]

    made = [v for versions in run_all(clients, add_versions) for v in versions]
    versions = [e.version for e in clients[1].versions(base.id)]
    assert sorted(made) == list(range(2, 2 + 3 * CLIENTS))  # each number taken once
    assert versions == list(range(1, 2 + 3 * CLIENTS))

    def increment(i, catalog):  # read-modify-write of a counter, guarded by the etag
        start.wait()
        conflicts = 0
        for _ in range(4):
            while True:
                entry = catalog.get(base.id)
                try:
                    catalog.update(base.id, etag=entry.etag, description=str(int(entry.description) + 1))
                    break
                except Conflict:
                    conflicts += 1
        return conflicts

    conflicts = sum(run_all(clients, increment))
    assert clients[0].get(base.id).description == str(4 * CLIENTS)  # no update lost
    assert conflicts > 0  # they did contend

    doomed = [e.id for e in clients[0].versions(base.id)]

    def delete_everything(i, catalog):
        start.wait()
        deleted = 0
        for model_id in (doomed if i % 2 == 0 else doomed[::-1]):  # every client tries every model
            try:
                catalog.delete(model_id)
                deleted += 1
            except ModelNotFound:
                pass
        return deleted

    assert sum(run_all(clients, delete_everything)) == len(doomed)  # each deleted exactly once
    admin = admin_catalog(pg_url, s3_root)
    assert admin.list(state="ALL").items == []
    assert admin.stats()["blobs"] == 0 and admin.stats()["stored_bytes"] == 0
