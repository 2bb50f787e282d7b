"""One real JupyterHub for the whole session, with the catalog as its managed service."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from hub_process import start_hub, stop_hub  # noqa: E402

from tests.team.conftest import artifact  # noqa: E402,F401 (the team tests' tiny artifact)


@pytest.fixture(scope="session")
def hub(tmp_path_factory):
    """The running hub (users alice and bob in the catalog's groups, carol in none)."""
    running = start_hub(tmp_path_factory.mktemp("hub"))
    yield running
    stop_hub(running)



@pytest.fixture
def no_client_tokens(monkeypatch):
    """A client environment without any token or hub variable of the test's own process."""
    for name in ("MODEL_CATALOG_TOKEN", "MODEL_CATALOG_URL", "JUPYTERHUB_API_TOKEN", "JUPYTERHUB_API_URL",
                 "JUPYTERHUB_BASE_URL", "JUPYTERHUB_PUBLIC_URL", "JUPYTERHUB_PUBLIC_HUB_URL", "JUPYTERHUB_HOST"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def catalog_service_elsewhere(tmp_path):
    """A catalog service that is not the hub's, on the same host."""
    from service_process import start_service, stop_service

    service = start_service(tmp_path / "elsewhere")
    yield service
    stop_service(service)
