"""A 300 MiB artifact saved and downloaded through a real service on PostgreSQL + S3: the
service's resident memory (sampled from /proc while the bytes flow) grows by a bounded
amount -- a few parts and read-ahead buffers -- never by the artifact.  Not a timing: the
figures and throughput are benchmarks/service_bytes.py's."""
from __future__ import annotations

import os
import threading
import time

import pytest
from service_process import SERVICE_TOKEN

from model_catalog_ext.catalog import open_catalog

from .pg_s3 import start_instances, stop_instances

MiB = 1024 * 1024
SIZE_MIB = 300
# Measured: about 120-160 MiB of growth (s3fs buffers, 16 MiB read-ahead, a 4 MiB chunk queue,
# allocator slack); an artifact held whole would add its 300 MiB on top.
BOUND_MIB = 256


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


class PeakRss:
    def __init__(self, pid: int):
        self.pid, self.peak, self._done = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._done.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()


@pytest.fixture
def service(tmp_path, pg_url, s3_root, moto_endpoint, monkeypatch):
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", SERVICE_TOKEN)
    (started,) = start_instances(tmp_path, pg_url, s3_root, moto_endpoint, count=1)
    yield started
    stop_instances([started])


def test_the_service_holds_no_artifact_in_memory(service, tmp_path):
    folder = tmp_path / "artifact"
    folder.mkdir()
    (folder / "score.py").write_text("def load_model():\n    return 1\n\ndef predict(data, model=None):\n"
                                     "    return {}\n")
    with open(folder / "model.bin", "wb") as f:
        for _ in range(SIZE_MIB):
            f.write(os.urandom(MiB))
    catalog = open_catalog(service.url)
    pid = service.process.pid
    catalog.stats()  # the service's catalog is open before the baseline is taken
    before = rss_kib(pid)
    with PeakRss(pid) as upload:
        entry = catalog.save(folder, display_name="large")  # a resumable upload: 64 MiB parts
    with PeakRss(pid) as download:
        out = catalog.download(entry.id, tmp_path / "out")
    assert (out / "model.bin").stat().st_size == SIZE_MIB * MiB
    grew = {"upload": (upload.peak - before) // 1024, "download": (download.peak - before) // 1024}
    print(f"service RSS {before // 1024} MiB at rest; peak growth {grew} MiB for a {SIZE_MIB} MiB artifact")
    assert max(grew.values()) < BOUND_MIB, grew
