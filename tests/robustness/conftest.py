"""Fixtures of the robustness tests: the catalog tests' real stores (SQLite + files,
PostgreSQL + moto S3) and the server tests' real Jupyter Server, reused as they are."""
import pytest

from tests.catalog.conftest import (  # noqa: F401
    make_artifact,
    memory_catalog_url,
    moto_endpoint,
    open_same_sql_catalog,
    pg_url,
    postgres_server,
    s3_root,
    snap,
    sql_catalog,
    sqlite_catalog,
)
from tests.server.conftest import catalog_home, jp_server_config, spool  # noqa: F401


@pytest.fixture
def catalog(sql_catalog):
    """These tests damage and inspect stored bytes, so they run on the SQL store (SQLite +
    files, PostgreSQL + S3)."""
    return sql_catalog
