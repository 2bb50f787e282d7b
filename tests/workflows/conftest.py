"""Fixtures of the workflow tests: real catalogs (SQLite, PostgreSQL + S3, a service process)
and an embedded catalog of 200 model series to copy."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "catalog"))
from catalog_backends import moto_endpoint, pg_url, postgres_server, s3_root  # noqa: E402,F401

from .catalogs import fill_catalog, open_sqlite  # noqa: E402

MODELS = 200


@pytest.fixture(scope="session")
def full_source(tmp_path_factory):
    """The folder of an embedded catalog of 200 model series (296 entries), made once."""
    folder = tmp_path_factory.mktemp("full-source")
    with open_sqlite(folder) as catalog:
        fill_catalog(catalog, folder, MODELS)
    return folder


@pytest.fixture
def source_folder(full_source, tmp_path):
    """A copy of the full source's files for one test (a test may change its source)."""
    folder = tmp_path / "source"
    shutil.copytree(full_source, folder, ignore=shutil.ignore_patterns("artifact"))
    return folder


@pytest.fixture
def source(source_folder):
    with open_sqlite(source_folder) as catalog:
        yield catalog


@pytest.fixture
def small_source(tmp_path):
    """An embedded catalog of 8 model series (SMALL entries)."""
    with open_sqlite(tmp_path / "small") as catalog:
        fill_catalog(catalog, tmp_path / "small", 8)
        yield catalog
