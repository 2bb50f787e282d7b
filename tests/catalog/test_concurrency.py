"""Eight processes saving into one embedded SQLite catalog at once."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from catalog_worker import content
from invariants import assert_consistent

from model_catalog_ext.catalog import open_catalog

WORKER = str(Path(__file__).with_name("catalog_worker.py"))
PROCESSES, SAVES = 8, 4


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_eight_processes_save_at_once(tmp_path):
    # A fresh catalog: the processes also race to create and migrate it.
    url, root = f"sqlite:///{tmp_path}/catalog.db", str(tmp_path / "blobs")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = []
    for worker in range(PROCESSES):
        work = tmp_path / f"work{worker}"
        work.mkdir()
        # Half the workers also delete their first save, so blob collection races with saves
        # that reference the same shared blob.
        extra = ["delete-first"] if worker % 2 else []
        procs.append(subprocess.Popen([sys.executable, WORKER, url, root, str(work), str(worker), str(SAVES), "5",
                                       *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
    saved, deleted = {}, set()
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        for line in out.splitlines():
            parts = line.split()
            if parts[0] == "saved":
                saved[parts[1]] = (int(parts[2]), int(parts[3]))
            elif parts[0] == "deleted":
                deleted.add(parts[1])
    assert len(saved) == PROCESSES * SAVES and len(deleted) == PROCESSES // 2
    svc = open_catalog(url, root)
    try:
        listed = {e.id for e in svc.list(limit=1000).items}
        assert listed == set(saved) - deleted
        for model_id in listed:
            worker, n = saved[model_id]
            expected = content(worker, n, 5)
            for path, data in expected.items():
                assert b"".join(svc.iter_file(model_id, path)) == data
        assert_consistent(svc)
    finally:
        svc.close()
