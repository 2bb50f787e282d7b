"""Fuzz the REST API with schemathesis, from openapi.yaml, against a real Jupyter Server.

Whatever schemathesis sends, the server must never answer 5xx, must answer only the
statuses the spec lists for the operation, and its answers must match the spec's schemas
(and headers). Bounded: a fixed seed and a fixed number of examples per operation.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import model_catalog_ext.server as server_pkg

from .helpers import write_artifact

SPEC = Path(server_pkg.__file__).parent / "openapi.yaml"
TOKEN = "fuzz-token-0123456789"
# Every check, conformance included (statuses, schemas, headers, content types, 401 for a
# missing Authorization header, 405 + Allow for other methods), but positive_data_acceptance:
# a schema-valid request may still be refused for what no schema can say -- a path that does
# not exist in the file tree, bytes that are not a zip, a variable the kernel does not have.
CHECKS = "all"
EXCLUDED_CHECKS = "positive_data_acceptance"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(tmp_path):
    port = free_port()
    root = tmp_path / "root"
    root.mkdir()
    env = dict(os.environ)
    env.update({
        "MODEL_CATALOG_URL": f"sqlite:///{tmp_path / 'catalog.db'}",
        "MODEL_CATALOG_ARTIFACT_ROOT": str(tmp_path / "blobs"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    })
    # One real model, so that id-shaped routes have something to find.
    from model_catalog_ext.catalog import open_catalog

    with open_catalog(url=env["MODEL_CATALOG_URL"], artifact_root=env["MODEL_CATALOG_ARTIFACT_ROOT"]) as catalog:
        catalog.save(write_artifact(tmp_path / "artifact"), display_name="fuzz-target")
    command = [
        sys.executable, "-m", "jupyter_server", f"--port={port}", "--ip=127.0.0.1", "--no-browser",
        f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
        "--ServerApp.jpserver_extensions={'model_catalog_ext': True}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = open(tmp_path / "server.log", "wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                request = urllib.request.Request(f"{base}/model-catalog/api/version",
                                                 headers={"Authorization": f"token {TOKEN}"})
                urllib.request.urlopen(request, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError((tmp_path / "server.log").read_text())
        yield base, tmp_path / "server.log"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_no_server_errors_under_fuzzing(live_server):
    base, log = live_server
    # Next to this interpreter first: CI runs the venv's python without activating the venv.
    here = Path(sys.executable).parent
    st = next((str(p) for p in (here / "st", here / "schemathesis") if p.exists()), None)
    st = st or shutil.which("st") or shutil.which("schemathesis")
    if st is None:
        pytest.skip("schemathesis is not installed (pip install '.[test]')")
    result = subprocess.run(
        [st, "run", str(SPEC), "--url", f"{base}/model-catalog/api",
         "-H", f"Authorization: token {TOKEN}", "--checks", CHECKS, "--exclude-checks", EXCLUDED_CHECKS,
         "--max-examples", "25", "--seed", "1", "--request-timeout", "30"],
        capture_output=True, text=True, timeout=900, cwd=log.parent,  # its cache dir goes there
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:] + "\n--- server log ---\n" + log.read_text()[-4000:]
