"""Fixtures of the robustness tests: the catalog tests' real stores (SQLite + files,
PostgreSQL + moto S3) and the server tests' real Jupyter Server, reused as they are."""
from tests.catalog.conftest import (  # noqa: F401
    catalog,
    make_artifact,
    moto_endpoint,
    pg_url,
    postgres_server,
    s3_root,
    snap,
    sqlite_catalog,
)
from tests.server.conftest import catalog_home, jp_server_config, spool  # noqa: F401
