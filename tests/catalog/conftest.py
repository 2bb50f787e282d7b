"""Fixtures of the catalog tests: real stores only (SQLite files, PostgreSQL, moto S3)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))
from catalog_backends import moto_endpoint, pg_url, postgres_server, s3_root  # noqa: E402,F401
from memory_backend import memory_catalog_url  # noqa: E402,F401
from service_process import catalog_service  # noqa: E402,F401

sys.path.insert(0, str(Path(__file__).parent.parent / "oci"))
from oci_fixtures import oci_catalog_url, oci_config_file, oci_fake, oci_key  # noqa: E402,F401

from model_catalog_ext.catalog import open_catalog  # noqa: E402

TABLES = ("models", "model_tags", "artifacts", "artifact_blobs", "blobs", "model_history")


@pytest.fixture
def make_artifact(tmp_path):
    """``make_artifact(name="art", files={...})`` -> a directory with score.py and the files."""
    counter = [0]

    def make(name: str | None = None, files: dict | None = None, score: bool = True) -> Path:
        counter[0] += 1
        root = tmp_path / (name or f"artifact{counter[0]}")
        root.mkdir(parents=True)
        if score:
            (root / "score.py").write_text("def load_model():\n    return 1\n\ndef predict(data, model=load_model()):\n"
                                           "    return {'prediction': [model]}\n")
        for rel, content in (files if files is not None else {"model.pkl": b"weights-" + os.urandom(16)}).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return root

    return make


def _opener(kind: str, request, tmp_path):
    if kind == "sqlite+file":
        return lambda: open_catalog(f"sqlite:///{tmp_path}/catalog.db", str(tmp_path / "blobs"))
    if kind == "postgresql+s3":
        url = request.getfixturevalue("pg_url")
        root, options = request.getfixturevalue("s3_root")
        # A shared database is set up on purpose (`jupyter model-catalog db upgrade`), once.
        open_catalog(url, root, storage_options=options, upgrade=True).close()
        return lambda: open_catalog(url, root, storage_options=options)
    if kind == "oci":
        url = request.getfixturevalue("oci_catalog_url")
        return lambda: open_catalog(url)
    if kind == "http":
        # A client of a real service process (over SQLite), which alone opens the catalog.
        service = request.getfixturevalue("catalog_service")
        request.getfixturevalue("monkeypatch").setenv("MODEL_CATALOG_TOKEN", service.token)
        return lambda: open_catalog(service.url)
    name = request.getfixturevalue("memory_catalog_url")
    return lambda: open_catalog(name)


def _same_catalog(kind: str, request, tmp_path):
    opener, opened = _opener(kind, request, tmp_path), []

    def open_():
        svc = opener()
        opened.append(svc)
        return svc

    yield open_
    for svc in opened:
        svc.close()


# Contract tests a backend cannot pass, and why (each has a twin in the backend's own tests).
NOT_ON = {
    ("oci", "test_update_metadata_and_etag"):
        "OCI keeps a model in the project it was created in (UpdateModelDetails has no projectId); "
        "tests/oci/test_oci_backend.py::test_update_metadata_and_etag_without_moving_project is its twin",
}


@pytest.fixture(params=["sqlite+file", "postgresql+s3", "memory", "oci", "http"])
def open_same_catalog(request, tmp_path):
    """``open()`` -> a CatalogService on this test's catalog, the same one at every call: the
    backend contract runs on each backend.  Adding a backend means adding a param here."""
    reason = NOT_ON.get((request.param, request.node.originalname))
    if reason:
        pytest.skip(reason)
    yield from _same_catalog(request.param, request, tmp_path)


@pytest.fixture
def catalog(open_same_catalog):
    """The backend contract: every test using it runs on each backend."""
    return open_same_catalog()


@pytest.fixture(params=["sqlite+file", "postgresql+s3"])
def open_same_sql_catalog(request, tmp_path):
    yield from _same_catalog(request.param, request, tmp_path)


@pytest.fixture
def sql_catalog(open_same_sql_catalog):
    """The SQL store (SQLite + files, PostgreSQL + S3), for tests of how it stores."""
    return open_same_sql_catalog()


@pytest.fixture(params=["sqlite+file", "postgresql+s3", "memory"])
def scopable_catalog(request, tmp_path):
    """A catalog of each backend that filters listings by an access scope."""
    opener = _same_catalog(request.param, request, tmp_path)
    yield next(opener)()
    opener.close()


@pytest.fixture
def sqlite_catalog(tmp_path):
    """The embedded catalog on an SQLite file and a local blob folder."""
    svc = open_catalog(f"sqlite:///{tmp_path}/catalog.db", str(tmp_path / "blobs"))
    yield svc
    svc.close()


def snapshot(svc) -> dict:
    """Row counts of every table and the blob store's files (incl. temporaries)."""
    with svc.backend.engine.connect() as conn:
        counts = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}
    files = sorted(svc.backend.blobs.iter_digests())
    tmp = sorted(svc.backend.blobs.tmp_files()) if hasattr(svc.backend.blobs, "tmp_files") else []
    return {"rows": counts, "blobs": files, "tmp": tmp}


@pytest.fixture
def snap():
    return snapshot
