"""SQLAlchemy engines for the metadata store: SQLite (embedded) and PostgreSQL (team).

SQLite is set up for several processes at once: WAL (readers never block the writer),
a 30 s busy timeout, ``synchronous=FULL`` (a committed save survives power loss), and
write transactions that start with ``BEGIN IMMEDIATE`` so two writers queue on the lock
instead of deadlocking when both try to upgrade a read lock.  Open a write transaction with
``engine.connect().execution_options(catalog_write=True)``.
"""
from __future__ import annotations

import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from ..errors import InvalidInput
from .sql_errors import lost_connections_unavailable

BUSY_TIMEOUT_MS = 30_000


def create_catalog_engine(url: str) -> Engine:
    """An engine for ``sqlite:///path`` or ``postgresql+psycopg://...``."""
    try:
        parsed = make_url(url)
    except Exception:
        raise InvalidInput(
            f"Cannot read the catalog URL '{url}'; use sqlite:////path/catalog.db or "
            "postgresql+psycopg://user@host/dbname."
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3 is what we ship
        engine = sa.create_engine(parsed, pool_size=4, max_overflow=8)
        _ping_when_idle(engine)
        lost_connections_unavailable(engine)
        return engine
    raise InvalidInput(f"Unsupported catalog URL scheme '{parsed.drivername}'; use sqlite:/// or postgresql+psycopg://.")


# A pooled connection idle longer than this is pinged before use (a server restarted
# meanwhile is then noticed without failing a request).
PING_AFTER_IDLE_S = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """``pool_pre_ping``, but only for connections that sat idle: pinging one used a moment
    ago cost every listing a round trip (two thirds of a cached listing's database time).
    A restart within that moment fails one request as a lost connection (a 503 with
    Retry-After, sql_errors), after which the pool reconnects every connection."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn, record, _proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return  # new, or used a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception:  # noqa: BLE001  (any failure to ping is a dead connection)
            alive = False
        if not alive:
            raise sa.exc.DisconnectionError("the database closed this connection while it was idle")


def _sqlite_engine(url) -> Engine:
    database = url.database
    in_memory = not database or database == ":memory:"
    if not in_memory:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        # One in-memory database must be one connection; files pool as usual.
        poolclass=sa.pool.StaticPool if in_memory else None,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN is deferred and too late).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not in_memory:
            cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        write = conn.get_execution_options().get("catalog_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def is_sqlite(engine: Engine) -> bool:
    """True for the embedded SQLite store."""
    return engine.dialect.name == "sqlite"
