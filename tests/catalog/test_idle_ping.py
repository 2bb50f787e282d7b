"""PostgreSQL restarted while the catalog's connections sat idle: the next request checks the
connection it is given (it was idle), finds it dead and opens a new one -- the request
succeeds.  Connections used a moment ago are not pinged (a round trip per listing)."""
from __future__ import annotations

import time

from catalog_backends import pg_ctl

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.catalog.engine import PING_AFTER_IDLE_S


def test_a_restart_while_idle_fails_no_request(pg_url, tmp_path, make_artifact):
    catalog = open_catalog(pg_url, str(tmp_path / "blobs"), upgrade=True)
    try:
        saved = catalog.save(make_artifact("a"), display_name="before the restart")
        assert [e.id for e in catalog.list()] == [saved.id]
        pg_ctl(pg_url, "restart")
        time.sleep(PING_AFTER_IDLE_S + 0.2)
        assert [e.id for e in catalog.list()] == [saved.id]
        assert catalog.get(saved.id).display_name == "before the restart"
        again = catalog.save(make_artifact("b"), display_name="after the restart")
        assert catalog.get(again.id).id == again.id
    finally:
        catalog.close()


def test_a_busy_connection_is_not_pinged(pg_url, tmp_path, monkeypatch):
    catalog = open_catalog(pg_url, str(tmp_path / "blobs"), upgrade=True)
    dialect = catalog.backend.engine.dialect
    pings: list[int] = []
    ping = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda conn: pings.append(1) or ping(conn))
    try:
        catalog.list()
        for _ in range(5):
            catalog.list()
        assert pings == []
        time.sleep(PING_AFTER_IDLE_S + 0.2)
        catalog.list()
        assert pings == [1]
    finally:
        catalog.close()
