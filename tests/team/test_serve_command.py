"""``jupyter model-catalog serve`` checks its catalog before it listens: a catalog it cannot
open stops it at once with the catalog's own message (exit 1), not on every request."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.catalog.service_process import free_port


def test_a_catalog_that_cannot_be_opened_stops_the_service(tmp_path):
    port = free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    done = subprocess.run([sys.executable, "-m", "model_catalog_ext.cli", "serve", "--port", str(port),
                           "--url", f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/catalog"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and "127.0.0.1" in done.stderr
    assert "Traceback" not in done.stderr
