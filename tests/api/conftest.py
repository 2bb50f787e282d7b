"""Fixtures of the Python API tests: a real SQLite catalog in a temp dir."""
from __future__ import annotations

import pytest

from model_catalog_ext.api.catalog import ModelCatalog
from model_catalog_ext.catalog import open_catalog


@pytest.fixture
def service(tmp_path):
    svc = open_catalog(f"sqlite:///{tmp_path}/catalog.db", str(tmp_path / "blobs"))
    yield svc
    svc.close()


@pytest.fixture
def mc(service):
    return ModelCatalog(backend=service)


@pytest.fixture
def artifact_dir(tmp_path):
    """``artifact_dir(name, **files)`` -> a folder with a working score.py."""

    def make(name="artifact", **files):
        root = tmp_path / name
        root.mkdir()
        (root / "score.py").write_text(
            "def load_model():\n    return 2\n\n"
            "def predict(data, model=load_model()):\n    return {'prediction': [x * model for x in data]}\n")
        for rel, content in files.items():
            (root / rel).write_bytes(content if isinstance(content, bytes) else content.encode())
        return root

    return make
