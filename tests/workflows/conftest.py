"""Fixtures of the workflow tests: real catalogs (SQLite, PostgreSQL + S3, a service process)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "catalog"))
from catalog_backends import moto_endpoint, pg_url, postgres_server, s3_root  # noqa: E402,F401
