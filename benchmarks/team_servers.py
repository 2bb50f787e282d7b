"""The servers of the team benchmark (benchmarks/team_service.py), each started and stopped
by the benchmark itself: a PostgreSQL cluster kept between runs (loading a million models
takes minutes, so the loaded cluster is the cache), a moto S3 server, catalog services
(``jupyter model-catalog serve``) and MLflow's tracking server, plus an RSS sampler.

The PostgreSQL and moto start-up follow tests/catalog/catalog_backends.py (its helpers are
reused); the catalog service is started by tests/catalog/service_process.py's start_service.
"""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "catalog"))
from catalog_backends import _as_postgres, _pg_bin, _wait_port, free_port  # noqa: E402

S3_KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@dataclass
class Postgres:
    datadir: Path
    port: int

    def url(self, database: str, driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def admin(self):
        """An autocommit SQLAlchemy engine on the ``postgres`` database."""
        import sqlalchemy as sa

        return sa.create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")


def start_postgres(datadir: Path) -> Postgres:
    """Start the cluster in ``datadir`` (``initdb`` first if it is not one yet)."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise SystemExit("PostgreSQL binaries (initdb, pg_ctl) not found: apt-get install -y postgresql")
    datadir.parent.mkdir(parents=True, exist_ok=True)
    if not (datadir / "PG_VERSION").exists():
        shutil.rmtree(datadir, ignore_errors=True)
        datadir.mkdir()
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(datadir, pw.pw_uid, pw.pw_gid)
        subprocess.run(_as_postgres([initdb, "-D", str(datadir), "-A", "trust", "-U", "postgres", "--no-sync",
                                     "-E", "UTF8", "--locale", "C"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    port = free_port()
    # Both systems share these settings; a million-row catalog fits in shared_buffers.
    opts = (f"-p {port} -k {datadir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300 "
            "-c shared_buffers=768MB -c maintenance_work_mem=512MB -c max_wal_size=4GB -c work_mem=16MB")
    subprocess.run(_as_postgres([pg_ctl, "-D", str(datadir), "-o", opts, "-l", f"{datadir}/server.log",
                                 "-w", "-t", "300", "start"]), check=True, stdout=subprocess.DEVNULL)
    return Postgres(datadir, port)


def stop_postgres(pg: Postgres) -> None:
    # "fast": a clean shutdown, so the cached cluster starts without recovery next time.
    subprocess.run(_as_postgres([_pg_bin("pg_ctl") or "pg_ctl", "-D", str(pg.datadir), "-m", "fast", "-w",
                                 "stop"]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@dataclass
class Moto:
    endpoint: str
    process: subprocess.Popen

    def storage_options(self) -> dict:
        return {"key": "testing", "secret": "testing", "client_kwargs": {"endpoint_url": self.endpoint},
                "skip_instance_cache": True}


def start_moto(log: Path) -> Moto:
    exe = shutil.which("moto_server") or str(Path(sys.executable).with_name("moto_server"))
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=subprocess.STDOUT)
    _wait_port(port)
    return Moto(f"http://127.0.0.1:{port}", proc)


def stop_process(proc: subprocess.Popen, timeout: float = 15) -> None:
    """Terminate a server we started (its process group when it has one of its own)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, 15) if os.getpgid(proc.pid) == proc.pid else proc.terminate()
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9) if os.getpgid(proc.pid) == proc.pid else proc.kill()
        proc.wait()


def start_mlflow(python: Path, backend_uri: str, artifacts: str, moto: Moto, folder: Path,
                 workers: int | None) -> tuple[subprocess.Popen, str]:
    """``mlflow server`` on ``backend_uri`` with proxied artifacts in ``artifacts`` (s3://)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    cmd = [str(python.with_name("mlflow")), "server", "--backend-store-uri", backend_uri,
           "--serve-artifacts", "--artifacts-destination", artifacts, "--host", "127.0.0.1", "--port", str(port)]
    if workers:
        cmd += ["--workers", str(workers)]
    env = {**os.environ, **S3_KEYS, "MLFLOW_S3_ENDPOINT_URL": moto.endpoint, "PYTHONWARNINGS": "ignore"}
    with open(folder / "mlflow-server.log", "wb") as out:
        # Its own process group: the server forks workers, and all of them must stop with it.
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=folder,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"mlflow server exited:\n{(folder / 'mlflow-server.log').read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    stop_process(proc)
    raise RuntimeError("mlflow server did not answer within 180 s")


# --- memory --------------------------------------------------------------------------------------
def rss_kib(pid: int) -> int:
    """Resident set size of one process (KiB), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its descendants (s): each live process's own and
    that of the children it has reaped (PostgreSQL's backends and parallel workers come and
    go; the postmaster reaps them, so their time stays counted)."""
    total = 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime (stat fields 14-17)
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def postmaster_pid(pg: Postgres) -> int:
    return int((pg.datadir / "postmaster.pid").read_text().split()[0])


@dataclass
class CpuMeter:
    """CPU seconds each labelled process tree used between ``__enter__`` and ``__exit__``."""

    roots: dict[str, int]
    used: dict[str, float] = field(default_factory=dict)

    def __enter__(self) -> CpuMeter:
        self._start = {label: cpu_seconds(pid) for label, pid in self.roots.items()}
        return self

    def __exit__(self, *exc) -> None:
        self.used = {label: cpu_seconds(pid) - self._start[label] for label, pid in self.roots.items()}


@dataclass
class RssSampler:
    """Samples the summed RSS of some process trees every ``interval`` seconds in a thread."""

    roots: dict[str, int]  # label -> root pid
    interval: float = 0.5
    peak: dict[str, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def sample(self) -> dict[str, int]:
        return {label: sum(rss_kib(p) for p in process_tree(pid)) for label, pid in self.roots.items()}

    def __enter__(self) -> RssSampler:
        self.start = self.sample()
        self.peak = dict(self.start)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for label, kib in self.sample().items():
                self.peak[label] = max(self.peak.get(label, 0), kib)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.end = self.sample()
