"""Test-wide fixtures. Every test gets its own catalog under tmp: nothing a test does can
touch the user's real catalog in the Jupyter data dir."""
import os
import shutil
import subprocess

import pytest

pytest_plugins = ("pytest_jupyter.jupyter_server",)


@pytest.fixture(autouse=True)
def _isolated_catalog(tmp_path_factory, monkeypatch):
    root = tmp_path_factory.mktemp("catalog-home")
    monkeypatch.setenv("MODEL_CATALOG_URL", f"sqlite:///{root / 'catalog.db'}")
    monkeypatch.setenv("MODEL_CATALOG_ARTIFACT_ROOT", str(root / "blobs"))
    yield root


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 8 MiB filesystem (tmpfs) for tests that fill a disk; mounting needs root,
    which CI has (scripts/test.sh installs as root)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small filesystem needs root")
    where = tmp_path / "tiny-disk"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tiny-disk", str(where)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
