"""Fixtures of the interface tests: the contract's real backends and the in-memory one."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "catalog"))
from catalog_backends import moto_endpoint, pg_url, postgres_server, s3_root  # noqa: E402,F401
from memory_backend import memory_catalog_url  # noqa: E402,F401
