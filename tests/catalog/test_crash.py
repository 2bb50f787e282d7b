"""SIGKILL a saving process at random moments: no partial entry, no dangling blob."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from invariants import assert_consistent

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.errors import ModelNotFound

WORKER = str(Path(__file__).with_name("catalog_worker.py"))
ITERATIONS = 10


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_sigkill_during_saves_leaves_a_consistent_catalog(tmp_path):
    url, root = f"sqlite:///{tmp_path}/catalog.db", str(tmp_path / "blobs")
    open_catalog(url, root).close()  # migrate once, so kills land in saves rather than set-up
    rng = random.Random(20240501)
    durable: list[str] = []
    gone: set[str] = set()
    interrupted_writes = 0  # kills that landed while blob bytes were being written
    for iteration in range(ITERATIONS):
        work = tmp_path / f"work{iteration}"
        work.mkdir()
        proc = subprocess.Popen(
            [sys.executable, WORKER, url, root, str(work), str(iteration), "100000", "12", "rolling"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
        time.sleep(rng.uniform(0.2, 2.0))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        assert proc.returncode == -signal.SIGKILL, "the worker finished before it was killed"
        lines = [line.split() for line in out.splitlines() if line.endswith(tuple("0123456789abcdef"))]
        saved = [parts[1] for parts in lines if parts[0] == "saved"]
        gone |= {parts[1] for parts in lines if parts[0] == "deleted"}
        # The worker deletes the save before last after each save; the kill may land in that
        # delete, so only the two newest saves must exist for sure.
        durable += saved[-2:]
        svc = open_catalog(url, root)
        try:
            interrupted_writes += bool(svc.backend.blobs.tmp_files())
            assert_consistent(svc)
            for model_id in durable:  # every save that returned survived the kill
                assert svc.get(model_id).manifest
            for model_id in gone:  # and every delete that returned
                with pytest.raises(ModelNotFound):
                    svc.get(model_id)
        finally:
            svc.close()
    assert durable
    print(f"{ITERATIONS} kills, {interrupted_writes} in the middle of writing a blob")
    svc = open_catalog(url, root)
    try:
        leftovers = svc.backend.blobs.tmp_files()
        svc.collect_garbage(tmp_grace_seconds=0)
        assert svc.backend.blobs.tmp_files() == [] or leftovers == []
        assert_consistent(svc)
        entries = svc.list(state="ALL", limit=1000).items
        assert {e.id for e in entries} >= set(durable)
        referenced = {m["sha256"] for e in entries for m in e.manifest}
        assert set(svc.backend.blobs.iter_digests()) == referenced  # garbage collected, nothing more
    finally:
        svc.close()
