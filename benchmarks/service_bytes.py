"""A large artifact through the catalog service, against a bare s3fs copy to the same S3
endpoint, measured in the same run.

    python benchmarks/service_bytes.py [--size-mb 1024] [--runs 1]

Starts a throw-away PostgreSQL cluster (Debian's postgresql binaries), moto's S3 server and
one catalog service (`jupyter model-catalog serve`) over them, then for a file of random
bytes of --size-mb:

- baseline: s3fs `put` of the file to the bucket, then `get` back to the disk;
- service: `catalog.save()` through the http backend (a resumable upload: the client hashes
  the file, sends 64 MiB parts that the service streams into the bucket, hashing the whole
  file on the way, and `complete` checks its sha256 and assembles them server-side), then
  `catalog.download()` (each chunk checked by the service against its digest and the whole
  file by the client).

Targets (issue 23): upload + download through the service >= 0.5x the bare s3fs copy;
service RSS bounded (its peak growth, sampled from /proc, is reported). Timings on a shared
machine are noisy: run it more than once (--runs) and read the medians.
"""
from __future__ import annotations

import argparse
import functools
import glob
import os
import pwd
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "catalog"))
from service_process import SERVICE_TOKEN, free_port, start_service, stop_service  # noqa: E402

MiB = 1024 * 1024


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def start_postgres(tmp: Path) -> tuple[str, callable]:
    bindir = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
    datadir = tempfile.mkdtemp(prefix="bench-pg-", dir=tmp)
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(datadir, user.pw_uid, user.pw_gid)
        os.chmod(tmp, 0o755)
    port = free_port()
    subprocess.run(_as_postgres([f"{bindir}/initdb", "-D", datadir, "-A", "trust", "-U", "postgres", "--no-sync",
                                 "-E", "UTF8", "--locale", "C"]), check=True, stdout=subprocess.DEVNULL)
    opts = f"-p {port} -k {datadir} -c listen_addresses=127.0.0.1"
    subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", datadir, "-o", opts, "-l", f"{datadir}/log", "-w",
                                 "start"]), check=True, stdout=subprocess.DEVNULL)

    def stop():
        subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", datadir, "-m", "immediate", "-w", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", stop


def start_moto() -> tuple[str, subprocess.Popen]:
    port = free_port()
    exe = shutil.which("moto_server") or str(Path(sys.executable).with_name("moto_server"))
    proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    import socket

    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return f"http://127.0.0.1:{port}", proc
        time.sleep(0.1)
    raise RuntimeError("moto_server did not start")


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class RssSampler:
    """The highest VmRSS of ``pid`` while running (every 20 ms)."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kb(self.pid))
            time.sleep(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-bytes-"))
    stop_pg, moto, service = None, None, None
    try:
        pg_url, stop_pg = start_postgres(tmp)
        endpoint, moto = start_moto()
        for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                           "AWS_DEFAULT_REGION": "us-east-1", "FSSPEC_S3_ENDPOINT_URL": endpoint,
                           "AWS_ENDPOINT_URL": endpoint}.items():
            os.environ[key] = value
        import s3fs

        from model_catalog_ext.catalog import open_catalog

        fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": endpoint})
        fs.mkdir("bench-bytes")
        root = "s3://bench-bytes/catalog"
        open_catalog(pg_url, root, upgrade=True).close()
        service = start_service(tmp / "service", catalog_url=pg_url, artifact_root=root,
                                env={"FSSPEC_S3_ENDPOINT_URL": endpoint, "AWS_ENDPOINT_URL": endpoint})
        os.environ["MODEL_CATALOG_TOKEN"] = SERVICE_TOKEN
        catalog = open_catalog(service.url)

        folder = tmp / "artifact"
        folder.mkdir()
        (folder / "score.py").write_text("def load_model():\n    return None\n\ndef predict(data, model=None):\n"
                                         "    return {}\n")
        big = folder / "model.bin"
        with open(big, "wb") as f:
            for _ in range(args.size_mb):
                f.write(os.urandom(MiB))
        print(f"{args.size_mb} MiB of random bytes; service pid {service.process.pid}; "
              f"PostgreSQL + moto S3 on loopback; {os.cpu_count()} cores (shared: timings are noisy)")

        rows = []
        for run in range(args.runs):
            got, key = tmp / f"bare-{run}.bin", f"bench-bytes/bare/{run}.bin"
            bare_up = timed(functools.partial(fs.put_file, str(big), key))
            bare_down = timed(functools.partial(fs.get_file, key, str(got)))
            got.unlink()
            fs.rm_file(key)
            base_rss = rss_kb(service.process.pid)
            with RssSampler(service.process.pid) as upload_rss:
                start = time.perf_counter()
                entry = catalog.save(folder, display_name=f"bench {run}")
                up = time.perf_counter() - start
            out = tmp / f"out-{run}"
            with RssSampler(service.process.pid) as download_rss:
                down = timed(functools.partial(catalog.download, entry.id, out))
            assert (out / "model.bin").stat().st_size == big.stat().st_size
            shutil.rmtree(out)
            catalog.delete(entry.id)
            rows.append({"bare_up": bare_up, "bare_down": bare_down, "up": up, "down": down,
                         "rss_base_mb": base_rss / 1024, "rss_up_mb": (upload_rss.peak - base_rss) / 1024,
                         "rss_down_mb": (download_rss.peak - base_rss) / 1024})
            r = rows[-1]
            print(f"run {run + 1}: s3fs put {bare_up:.1f} s, get {bare_down:.1f} s | service save {up:.1f} s, "
                  f"download {down:.1f} s | service RSS {r['rss_base_mb']:.0f} MB at rest, peak growth "
                  f"{r['rss_up_mb']:.0f} MB (upload), {r['rss_down_mb']:.0f} MB (download)")

        def med(key):
            return statistics.median(r[key] for r in rows)

        size = args.size_mb
        bare, ours = med("bare_up") + med("bare_down"), med("up") + med("down")
        print(f"\nmedians of {len(rows)} run(s), {size} MiB:")
        print(f"  bare s3fs   : upload {size / med('bare_up'):6.1f} MiB/s, download {size / med('bare_down'):6.1f} MiB/s,"
              f" round trip {bare:.1f} s")
        print(f"  the service : upload {size / med('up'):6.1f} MiB/s, download {size / med('down'):6.1f} MiB/s, "
              f"round trip {ours:.1f} s")
        print(f"  ratio (service / bare s3fs throughput): upload {med('bare_up') / med('up'):.2f}, download "
              f"{med('bare_down') / med('down'):.2f}, round trip {bare / ours:.2f}  (target >= 0.5)")
        print(f"  service RSS peak growth: {max(r['rss_up_mb'] for r in rows):.0f} MB upload, "
              f"{max(r['rss_down_mb'] for r in rows):.0f} MB download (for a {size} MiB artifact)")
        return 0 if bare / ours >= 0.5 else 1
    finally:
        if service is not None:
            stop_service(service)
        if moto is not None:
            moto.send_signal(signal.SIGTERM)
            moto.wait(30)
        if stop_pg is not None:
            stop_pg()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
