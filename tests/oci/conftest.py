"""Fixtures of the OCI backend tests: the loopback fake, a key and config file for the SDK."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from oci_fixtures import oci_catalog_url, oci_config_file, oci_fake, oci_key  # noqa: E402,F401
