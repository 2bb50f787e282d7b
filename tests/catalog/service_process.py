"""A real catalog service (``jupyter model-catalog serve``) in its own process, over an SQLite
catalog in a test's tmp folder, on a free loopback port."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

SERVICE_TOKEN = "service-token-for-tests"
SERVICE_USER = "catalog-admin"


@dataclass
class RunningService:
    url: str
    token: str
    process: subprocess.Popen
    log: Path
    catalog_url: str

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_service(folder: Path, identity: dict | None = None, extra: tuple[str, ...] = (),
                  catalog_url: str | None = None, artifact_root: str | None = None,
                  env: dict | None = None, scheme: str = "http", ca_file: Path | None = None) -> RunningService:
    """Start a service over ``catalog_url`` (default ``folder``/catalog.db); ``identity``:
    CatalogServiceIdentityProvider settings (default: the service's token is SERVICE_USER, who
    may name a save's author); ``env``: more environment (an object store's endpoint)."""
    folder.mkdir(parents=True, exist_ok=True)
    identity = identity if identity is not None else {"service_user": SERVICE_USER,
                                                      "may_record_authors_for": [SERVICE_USER]}
    config = folder / "service_config.json"
    config.write_text(json.dumps({"CatalogServiceIdentityProvider": identity}))
    port = free_port()
    catalog_url = catalog_url or f"sqlite:///{folder}/catalog.db"
    env = {**os.environ, **(env or {}), "MODEL_CATALOG_SERVICE_TOKEN": SERVICE_TOKEN,
           "JUPYTER_CONFIG_DIR": str(folder / "jupyter-config"), "JUPYTER_DATA_DIR": str(folder / "jupyter-data"),
           "JUPYTER_RUNTIME_DIR": str(folder / "jupyter-runtime")}
    for name in ("MODEL_CATALOG_URL", "MODEL_CATALOG_ARTIFACT_ROOT", "MODEL_CATALOG_TOKEN"):
        env.pop(name, None)
    log = folder / "service.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "model_catalog_ext.cli", "serve", "--url", catalog_url,
             "--artifact-root", artifact_root or str(folder / "blobs"), "--port", str(port), f"--config={config}",
             "--ServerApp.allow_root=True", *extra],
            env=env, stdout=out, stderr=subprocess.STDOUT)
    service = RunningService(f"{scheme}://127.0.0.1:{port}", SERVICE_TOKEN, process, log, catalog_url)
    _wait_until_ready(service, ca_file)
    return service


def _wait_until_ready(service: RunningService, ca_file: Path | None = None, timeout: float = 60) -> None:
    import ssl

    context = ssl.create_default_context(cafile=str(ca_file)) if ca_file else None
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(f"{service.url}/model-catalog/api/version",
                                     headers={"Authorization": f"token {service.token}"})
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"the catalog service exited ({service.process.returncode}):\n{service.log_text()}")
        try:
            with urllib.request.urlopen(request, timeout=2, context=context) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            time.sleep(0.1)
    stop_service(service)
    raise RuntimeError(f"the catalog service did not answer within {timeout} s:\n{service.log_text()}")


def stop_service(service: RunningService) -> None:
    if service.process.poll() is None:
        service.process.terminate()
        try:
            service.process.wait(15)
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()


@pytest.fixture
def catalog_service(tmp_path):
    """A running catalog service over an SQLite catalog of this test's own."""
    service = start_service(tmp_path / "service")
    yield service
    stop_service(service)
