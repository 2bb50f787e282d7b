"""Throw-away real services for the backend contract tests.

- PostgreSQL: Debian's ``postgresql`` package; a cluster is ``initdb``'ed in a temp dir
  (as the ``postgres`` user when we run as root, since initdb refuses root), started with
  ``pg_ctl`` on a free loopback port and stopped at the end of the session.
- S3: ``moto_server`` on a free loopback port.

Each is skipped, with the reason, only when its binaries are absent.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


# url -> (pg_ctl, data dir) of each throw-away cluster, for tests that stop or restart it.
POSTGRES_CLUSTERS: dict[str, tuple[str, str, str]] = {}


def pg_ctl(url: str, action: str) -> None:
    """``pg_ctl stop|start|restart`` the throw-away cluster of ``url`` (a database URL of
    it), waiting until done (start and restart keep the cluster's port and options)."""
    server = next(u for u in POSTGRES_CLUSTERS if url.startswith(u))
    exe, datadir, opts = POSTGRES_CLUSTERS[server]
    args = ["-m", "fast"] if action == "stop" else ["-o", opts, "-l", f"{datadir}/server.log"]
    if action == "restart":
        args = ["-m", "fast", *args]
    subprocess.run(_as_postgres([exe, "-D", datadir, *args, "-w", action]), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def postgres_server():
    """``postgresql+psycopg://postgres@127.0.0.1:PORT`` of a throw-away cluster."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found: apt-get install -y postgresql")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed: pip install 'psycopg[binary]'")
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run initdb as")
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser to drop to the postgres user")
    datadir = tempfile.mkdtemp(prefix="mc-pg-")
    if os.geteuid() == 0:
        os.chown(datadir, pw.pw_uid, pw.pw_gid)
    port = free_port()
    subprocess.run(_as_postgres([initdb, "-D", datadir, "-A", "trust", "-U", "postgres", "--no-sync",
                                 "-E", "UTF8", "--locale", "C"]),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    opts = f"-p {port} -k {datadir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100"
    subprocess.run(_as_postgres([pg_ctl, "-D", datadir, "-o", opts, "-l", f"{datadir}/server.log", "-w", "start"]),
                   check=True, stdout=subprocess.DEVNULL)
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    POSTGRES_CLUSTERS[url] = (pg_ctl, datadir, opts)
    try:
        yield url
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", datadir, "-m", "immediate", "-w", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(datadir, ignore_errors=True)


@pytest.fixture
def pg_url(postgres_server):
    """A fresh, empty database on the throw-away cluster (dropped afterwards)."""
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield f"{postgres_server}/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def moto_endpoint():
    """``http://127.0.0.1:PORT`` of a moto S3 server."""
    exe = shutil.which("moto_server") or str(Path(sys.executable).with_name("moto_server"))
    if not os.path.exists(exe):
        pytest.skip("moto_server not found: pip install 'moto[server]'")
    try:
        import s3fs  # noqa: F401
    except ImportError:
        pytest.skip("s3fs is not installed: pip install s3fs")
    port = free_port()
    proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def s3_root(moto_endpoint, monkeypatch):
    """``(s3 url, storage_options)`` of a new bucket on the moto server."""
    import s3fs

    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    options = {"key": "testing", "secret": "testing", "client_kwargs": {"endpoint_url": moto_endpoint},
               "skip_instance_cache": True}
    bucket = f"b-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem(**options).mkdir(bucket)
    return f"s3://{bucket}/blobs", options
