"""Real IPython kernels (through jupyter_client) on this test's own embedded catalog."""
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.kernel_helpers import RealKernel

# Trains a small real scikit-learn model inside the kernel.
TRAIN = """
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
X, y = load_iris(return_X_y=True, as_frame=True)
clf = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(X, y)
"""


def one_error_line(result) -> str:
    """The single 'error: ...' line a user mistake must produce, with no traceback; the cell
    fails (so Run All and papermill stop there)."""
    assert result.status == "error", (result.stdout, result.stderr)
    assert result.error["ename"] == "CatalogMagicError", result.error
    lines = result.error["traceback"]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.stdout + result.stderr + lines[0]
    assert "error:" not in result.stderr, result.stderr  # said once, as the cell's error
    return lines[0]


def run_ok(kernel, code: str):
    result = kernel.run(code)
    assert result.status == "ok", (code, result.error, result.stderr)
    assert "error:" not in result.stderr, (code, result.stderr)
    return result


def last_value(kernel, expr: str):
    """Evaluate ``expr`` in the kernel and bring back its JSON value."""
    result = run_ok(kernel, f"import json as _j; print(_j.dumps({expr}, default=str))")
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def cache_dir(tmp_path):
    return tmp_path / "artifact-cache"


@pytest.fixture
def start_kernel(tmp_path, _isolated_catalog, cache_dir):
    """Start real kernels with extra environment; every one is shut down afterwards."""
    started = []

    def start(cwd=None, load_ext=True, **env):
        full = dict(os.environ)
        full["MODEL_CATALOG_CACHE_DIR"] = str(cache_dir)
        full.update({k: str(v) for k, v in env.items()})
        k = RealKernel(cwd=cwd or tmp_path, env=full)
        started.append(k)
        if load_ext:
            run_ok(k, "%load_ext model_catalog_ext")
        return k

    yield start
    for k in started:
        k.shutdown()


@pytest.fixture
def kernel(start_kernel):
    """A real IPython kernel whose catalog is this test's own embedded catalog."""
    return start_kernel(load_ext=False)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=repo, check=True, capture_output=True, text=True,
    ).stdout.strip()


@pytest.fixture
def notebook_repo(tmp_path):
    """A real git repository with a committed notebook at analysis/train.ipynb."""
    repo = tmp_path / "repo"
    (repo / "analysis").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "remote", "add", "origin", "https://user:secret@git.example.com/team/churn.git")
    notebook = repo / "analysis" / "train.ipynb"
    notebook.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "train notebook")
    return repo, notebook


@pytest.fixture
def catalog_service(_isolated_catalog):
    """The same embedded catalog the kernels use, opened in the test process."""
    from model_catalog_ext.catalog import open_catalog

    svc = open_catalog()
    yield svc
    svc.close()


def seed_artifact(path: Path) -> Path:
    """A tiny but real artifact (score.py that loads and predicts) for listing tests."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "score.py").write_text(
        "def load_model():\n    return 'const'\n\n"
        "def predict(data, model=load_model()):\n    return {'prediction': [1 for _ in data]}\n"
    )
    (path / "requirements.txt").write_text("")
    return path
