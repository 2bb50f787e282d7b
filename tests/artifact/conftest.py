"""Fixtures for the artifact layer: real scikit-learn / XGBoost / LightGBM models on iris."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def iris():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, y


@pytest.fixture(scope="session")
def iris_rf(iris):
    from sklearn.ensemble import RandomForestClassifier

    X, y = iris
    return RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)


@pytest.fixture
def run_python():
    """Run code in a fresh interpreter that can import model_catalog_ext."""

    def run(code: str, **kwargs) -> subprocess.CompletedProcess:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, timeout=300, **kwargs)

    return run


def leftovers(parent: Path) -> list[str]:
    """Staging directories prepare() may have left next to a target."""
    return sorted(p.name for p in parent.iterdir() if ".prepare-" in p.name)
