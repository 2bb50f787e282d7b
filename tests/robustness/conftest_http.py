"""Shared fixtures and helpers of the tests/robustness HTTP tests (imported explicitly, so
that they do not clash with other conftests of this folder).

A real Jupyter Server (pytest-jupyter) with only this extension, on a real SQLite file or a
throw-away PostgreSQL database (``@pytest.mark.parametrize("backend", [...], indirect=True)``),
and helpers that read answers as strict JSON (what a browser's JSON.parse accepts).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "catalog"))
from catalog_backends import pg_url, postgres_server  # noqa: E402,F401

from tests.server.helpers import artifact_files, multipart, zip_bytes  # noqa: E402

API = ("model-catalog", "api")


@pytest.fixture
def backend(request):
    """Which metadata store the server uses: "sqlite" unless parametrized."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def catalog_home(tmp_path):
    home = tmp_path / "catalog-home"
    home.mkdir()
    return home


@pytest.fixture
def backend_url(request, backend, catalog_home):
    if backend == "postgresql":
        from model_catalog_ext.catalog import open_catalog

        url = request.getfixturevalue("pg_url")
        # A shared database is set up on purpose (`jupyter model-catalog db upgrade`), once.
        open_catalog(url, str(catalog_home / "blobs"), upgrade=True).close()
        return url
    return f"sqlite:///{catalog_home / 'catalog.db'}"


@pytest.fixture
def jp_server_config(jp_server_config, backend_url, catalog_home):
    return {
        "ServerApp": {
            "jpserver_extensions": {"model_catalog_ext": True},
            "allow_unauthenticated_access": False,
        },
        "ModelCatalogConfig": {"backend_url": backend_url, "artifact_root": str(catalog_home / "blobs")},
    }


def strict_loads(text):
    """json.loads that refuses NaN and Infinity, as JSON.parse does."""
    def refuse(name):
        raise ValueError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


async def call(jp_fetch, *parts, expect=200, **kwargs):
    """The answer's body (strict JSON, or None when empty), after checking its status."""
    kwargs.setdefault("raise_error", False)
    response = await jp_fetch(*API, *parts, **kwargs)
    body = response.body
    assert response.code == expect, (response.code, body[:2000])
    if not body:
        return None
    data = strict_loads(body)
    if response.code >= 400:
        assert set(data) >= {"error", "message"}, data
    return data


async def upload(jp_fetch, metadata, files=None, expect=201):
    body, content_type = multipart(metadata, zip_bytes(files or artifact_files()))
    return await call(jp_fetch, "models", method="POST", body=body, headers={"Content-Type": content_type},
                      expect=expect)


async def listed_ids(jp_fetch) -> list[str]:
    page = await call(jp_fetch, "models", params={"state": "ALL", "limit": "1000"})
    return sorted(m["id"] for m in page["items"])


def blob_files(catalog_home) -> list[str]:
    blobs = catalog_home / "blobs"
    return sorted(str(p.relative_to(blobs)) for p in blobs.rglob("*") if p.is_file()) if blobs.exists() else []


__all__ = ["API", "backend", "backend_url", "blob_files", "call", "catalog_home", "jp_server_config",
           "listed_ids", "pg_url", "postgres_server", "strict_loads", "upload"]
