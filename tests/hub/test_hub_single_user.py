"""In a JupyterHub single-user server every door reaches the hub's catalog service with no
set-up: the catalog URL comes from the hub's configuration, and the server's own hub token
authenticates -- but only to the hub's own services."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from model_catalog_ext.api import ModelCatalog
from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.errors import CatalogUnavailable


@pytest.fixture
def in_alices_server(hub, no_client_tokens):
    """This process's environment as alice's single-user server has it."""
    env = hub.single_user_environment("alice")
    for name, value in env.items():
        no_client_tokens.setenv(name, value)
    return env


def test_the_python_api_and_the_catalog_need_no_set_up(hub, in_alices_server, artifact):
    catalog = open_catalog()  # MODEL_CATALOG_URL, from c.Spawner.environment
    assert catalog.url.startswith(f"{hub.public_url}/services/model-catalog")
    entry = catalog.save(artifact, display_name="from-alices-server")
    assert entry.created_by == "alice"
    # Nothing recorded with the model (provenance, metadata) holds the token.
    assert in_alices_server["JUPYTERHUB_API_TOKEN"] not in json.dumps(catalog.get(entry.id).to_dict(), default=str)
    assert entry.id in [m.id for m in ModelCatalog().list_models()]


def test_the_cli_needs_no_set_up(hub, in_alices_server, tmp_path):
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg")}
    done = subprocess.run([sys.executable, "-m", "model_catalog_ext.cli", "list", "--json"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert isinstance(listed, (list, dict))
    assert in_alices_server["JUPYTERHUB_API_TOKEN"] not in done.stdout + done.stderr


def test_model_catalog_token_wins_over_the_servers_token(hub, in_alices_server, artifact, no_client_tokens):
    no_client_tokens.setenv("MODEL_CATALOG_TOKEN", hub.token("bob"))
    assert open_catalog().save(artifact, display_name="bobs").created_by == "bob"


def test_the_hub_token_goes_to_no_other_url(hub, in_alices_server, catalog_service_elsewhere):
    # A service that is not the hub's (its own address, no /services/ prefix): no token is sent.
    with pytest.raises(CatalogUnavailable, match="no token was sent"):
        open_catalog(catalog_service_elsewhere.url).list()
    log = catalog_service_elsewhere.log_text()
    assert in_alices_server["JUPYTERHUB_API_TOKEN"] not in log


def test_an_expired_server_token_says_what_to_do(hub, in_alices_server, no_client_tokens):
    no_client_tokens.setenv("JUPYTERHUB_API_TOKEN", "expired-or-revoked-server-token")
    with pytest.raises(CatalogUnavailable, match="restart your server") as err:
        open_catalog().list()
    assert "expired-or-revoked-server-token" not in str(err.value)
    assert "expired-or-revoked-server-token" not in json.dumps(err.value.to_dict())
