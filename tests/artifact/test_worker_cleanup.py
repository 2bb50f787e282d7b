"""A standby clean process removes its own temporary folder when it exits on its own -- its
parent was SIGKILLed (a killed kernel has no atexit handler to do it) or it idled out."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from model_catalog_ext.artifact import clean_process

from .test_clean_process import _alive, _wait_gone

REPO = Path(__file__).resolve().parents[2]


def _worker_dirs(tmp: Path) -> list[str]:
    return sorted(p.name for p in tmp.iterdir() if p.name.startswith("model-catalog-worker-"))


def _wait_removed(paths, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(os.path.exists(p) for p in paths):
            return True
        time.sleep(0.05)
    return False


def _parent(tmp: Path, code: str) -> subprocess.Popen:
    """A Python process that uses standbys (its temp folders go to ``tmp``)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), TMPDIR=str(tmp))
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                            text=True, env=env)


def test_standby_folders_go_when_the_parent_is_killed(tmp_path):
    parent = _parent(tmp_path, '''
        import json, time
        from model_catalog_ext.artifact import clean_process
        clean_process.prime(("numpy",), count=2)
        print(json.dumps([[p.pid, p._dir] for p in clean_process._standbys]), flush=True)
        time.sleep(600)
    ''')
    try:
        workers = json.loads(parent.stdout.readline())
        assert len(workers) == 2 and all(os.path.isdir(d) for _, d in workers)
        assert all(d.startswith(str(tmp_path)) for _, d in workers)
    finally:
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
    assert all(_wait_gone(pid) for pid, _ in workers)
    assert _wait_removed([d for _, d in workers]), _worker_dirs(tmp_path)
    assert _worker_dirs(tmp_path) == []


def test_the_folder_goes_when_the_parent_is_killed_mid_verification(tmp_path):
    art = tmp_path / "art"
    art.mkdir()
    (art / "runtime.yaml").write_text("MODEL_ARTIFACT_VERSION: '3.0'\n")
    (art / "score.py").write_text(textwrap.dedent(f'''
        import time
        def load_model():
            return 1
        def predict(data, model=None):
            open({str(tmp_path / "started")!r}, "w").close()
            time.sleep(2)
            return {{"prediction": data}}
    '''))
    parent = _parent(tmp_path, f'''
        import json
        from model_catalog_ext.artifact import ModelArtifact, clean_process
        clean_process.prime()
        print(json.dumps([clean_process._standbys[0].pid, clean_process._standbys[0]._dir]), flush=True)
        ModelArtifact({str(art)!r}).verify(data=[1])
    ''')
    try:
        pid, folder = json.loads(parent.stdout.readline())
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (tmp_path / "started").exists() and _alive(pid)
    finally:
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
    assert _wait_gone(pid, 30)  # it finishes predict(), finds nobody to answer, and leaves
    assert _wait_removed([folder]), _worker_dirs(tmp_path)


def test_an_idle_standby_removes_its_folder(monkeypatch):
    monkeypatch.setattr(clean_process, "IDLE_TIMEOUT", 0.5)
    proc = clean_process.CleanProcess(sys.executable)
    try:
        assert _wait_gone(proc.pid, 30)
        assert _wait_removed([proc._dir])
    finally:
        proc.close()


def test_standbys_outlive_a_kernel_interrupt_and_go_with_a_kernel_restart(tmp_path):
    """Jupyter signals a kernel's whole process group: SIGINT to interrupt it (a standby
    must not die of that), SIGKILL to restart or shut it down (a standby must then leave
    and remove its folder on its own)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), TMPDIR=str(tmp_path))
    kernel = subprocess.Popen([sys.executable, "-c", textwrap.dedent('''
        import json, signal, time
        from model_catalog_ext.artifact import clean_process
        # The kernel handles its interrupt (a handler, as ipykernel has: unlike SIG_IGN it
        # is not inherited, so a standby gets Python's KeyboardInterrupt).
        signal.signal(signal.SIGINT, lambda *_: None)
        clean_process.prime(("numpy",), count=2)
        print(json.dumps([[p.pid, p._dir] for p in clean_process._standbys]), flush=True)
        time.sleep(600)
    ''')], stdout=subprocess.PIPE, text=True, env=env, start_new_session=True)
    try:
        workers = json.loads(kernel.stdout.readline())
        time.sleep(1)  # let them get into their preload imports and their wait
        os.killpg(kernel.pid, signal.SIGINT)  # what the stop button sends
        time.sleep(1)
        assert all(_alive(pid) for pid, _ in workers)
        assert all(os.path.isdir(d) for _, d in workers)
    finally:
        os.killpg(kernel.pid, signal.SIGKILL)  # what a restart or shutdown sends
        kernel.wait()
    assert all(_wait_gone(pid) for pid, _ in workers)
    assert _wait_removed([d for _, d in workers]), _worker_dirs(tmp_path)
