"""GETs reuse one kept connection per thread, and a kept connection the service closed (a
restart, an idle timeout) is replaced without the caller noticing."""
from __future__ import annotations

import socket
import threading

from model_catalog_ext.catalog import open_catalog

from .conftest import ALICE_TOKEN


def test_a_dead_kept_connection_is_replaced(team_service, artifact, monkeypatch):
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", ALICE_TOKEN)
    catalog = open_catalog(team_service.url)
    entry = catalog.save(artifact, display_name="m")
    transport = catalog.backend._http
    assert catalog.get(entry.id) == entry
    kept = transport._local.conn
    assert catalog.list().items == [entry] and transport._local.conn is kept  # reused
    kept.sock.shutdown(socket.SHUT_RDWR)  # as if the service had closed it while idle
    assert catalog.get(entry.id) == entry
    assert transport._local.conn is not kept


def test_threads_share_a_backend(team_service, artifact, monkeypatch):
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", ALICE_TOKEN)
    catalog = open_catalog(team_service.url)
    entry = catalog.save(artifact, display_name="m")
    failures = []

    def read():
        try:
            for _ in range(20):
                assert catalog.get(entry.id) == entry
                assert b"".join(catalog.iter_file(entry.id, "model.pkl")) == b"weights"
        except Exception as exc:  # noqa: BLE001 (reported below)
            failures.append(exc)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
