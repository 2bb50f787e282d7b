"""PostgreSQL stopped or restarted under a running service: each save fails with a clear,
retryable 503 (Retry-After) or completes -- never a 500, never half-visible -- and the
service carries on once the database is back, without being restarted itself."""
from __future__ import annotations

import hashlib
import threading

import pytest
from catalog_backends import pg_ctl
from service_process import SERVICE_TOKEN

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.catalog.http_backend.transport import Transport
from model_catalog_ext.errors import CatalogUnavailable

from .pg_s3 import admin_catalog, start_instances, stop_instances

SCORE = b"def load_model():\n    return 1\n\ndef predict(data, model=None):\n    return {'prediction': [1]}\n"


@pytest.fixture
def service(tmp_path, pg_url, s3_root, moto_endpoint, monkeypatch):
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", SERVICE_TOKEN)
    (started,) = start_instances(tmp_path, pg_url, s3_root, moto_endpoint, count=1)
    yield started
    if _stopped(pg_url):
        pg_ctl(pg_url, "start")
    stop_instances([started])


def _stopped(pg_url: str) -> bool:
    import sqlalchemy as sa

    engine = sa.create_engine(pg_url)
    try:
        with engine.connect():
            return False
    except sa.exc.OperationalError:
        return True
    finally:
        engine.dispose()


def _retryable(exc: CatalogUnavailable) -> bool:
    """A 503 with Retry-After, not a failure of the service itself (a 500 is also a
    CatalogUnavailable for the client, with the remote error's code)."""
    return exc.details.get("retry_after") is not None and "remote_error" not in exc.details


def test_completing_an_upload_while_postgresql_is_down_is_a_503_then_completes(service, pg_url, s3_root):
    http = Transport(service.url, SERVICE_TOKEN)
    files = [{"path": "score.py", "size": len(SCORE), "sha256": hashlib.sha256(SCORE).hexdigest()}]
    upload = http.call("POST", "uploads", json_body={"metadata": {"display_name": "during an outage"},
                                                     "files": files})["id"]
    digest = "sha-256=:" + __import__("base64").b64encode(hashlib.sha256(SCORE).digest()).decode() + ":"
    response = http.open("PUT", http.path("uploads", upload, "files", "0", "parts", "0"), SCORE,
                         {"Content-Length": str(len(SCORE)), "Content-Digest": digest})
    response.read()
    response.close()
    pg_ctl(pg_url, "stop")
    try:
        with pytest.raises(CatalogUnavailable) as refused:
            http.call("POST", "uploads", upload, "complete")
        assert _retryable(refused.value), refused.value.details
        assert "database" in refused.value.message
    finally:
        pg_ctl(pg_url, "start")
    # The parts wait in the object store: the same request now completes, once.
    entry = http.call("POST", "uploads", upload, "complete")
    catalog = open_catalog(service.url)
    assert [e.id for e in catalog.list(state="ALL").items] == [entry["id"]]
    assert admin_catalog(pg_url, s3_root).verify() == []


def test_saves_racing_a_postgresql_restart_complete_or_fail_cleanly(service, pg_url, tmp_path):
    folder = tmp_path / "artifact"
    folder.mkdir()
    (folder / "score.py").write_bytes(SCORE)
    (folder / "model.pkl").write_bytes(b"w" * 2_000_000)
    catalog = open_catalog(service.url)
    saved, refused, stop = [], [], threading.Event()

    def keep_saving():
        n = 0
        while not stop.is_set():
            n += 1
            try:
                saved.append(catalog.save(folder, display_name=f"racing {n}").id)
            except CatalogUnavailable as exc:
                refused.append(exc)

    saver = threading.Thread(target=keep_saving)
    saver.start()
    try:
        for _ in range(2):
            pg_ctl(pg_url, "restart")
    finally:
        stop.set()
        saver.join(120)
    assert not [exc for exc in refused if not _retryable(exc)], [exc.details for exc in refused]
    # Whatever completed is there, whole; nothing else is.
    listed = {e.id for e in catalog.list(state="ALL", limit=1000).items}
    assert listed == set(saved)
    # The service carries on without a restart of its own.
    again = catalog.save(folder, display_name="after the restarts")
    assert catalog.get(again.id).display_name == "after the restarts"
