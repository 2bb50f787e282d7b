"""alice's own single-user server, started by the hub: the side panel's REST API and
``%catalog`` in her kernels use the hub's catalog as alice, with no set-up at all."""
from __future__ import annotations

import pytest
from remote_kernel import run_cell
from test_hub_tokens import call


@pytest.fixture(scope="module")
def alices_server(hub):
    return hub.start_server("alice")


def test_the_panels_api_in_alices_server_saves_to_the_hub_catalog_as_alice(hub, alices_server):
    from tests.server.helpers import artifact_files, multipart, zip_bytes

    token = hub.token("alice")  # what JupyterLab in alice's browser holds
    body, content_type = multipart({"display_name": "from-alices-panel"}, zip_bytes(artifact_files()))
    status, saved = call(f"{alices_server}/model-catalog/api/models", token, "POST", body,
                         {"Content-Type": content_type})
    assert status == 201, saved
    assert saved["created_by"] == "alice"
    # It is in the hub's catalog, not in a catalog of alice's server.
    status, found = call(f"{hub.catalog_url}/model-catalog/api/models/{saved['id']}", hub.token("bob"))
    assert (status, found["display_name"], found["created_by"]) == (200, "from-alices-panel", "alice")
    status, capabilities = call(f"{alices_server}/model-catalog/api/capabilities", token)
    assert status == 200 and f"{hub.public_url}/services/model-catalog" in str(capabilities)


def test_catalog_magics_in_alices_kernel_list_the_hub_catalog(hub, alices_server):
    from tests.server.helpers import artifact_files, multipart, zip_bytes

    body, content_type = multipart({"display_name": "listed-in-alices-kernel"}, zip_bytes(artifact_files()))
    status, _ = call(f"{hub.catalog_url}/model-catalog/api/models", hub.token("bob"), "POST", body,
                     {"Content-Type": content_type})
    assert status == 201
    output = run_cell(alices_server, hub.token("alice"), "%load_ext model_catalog_ext\n%catalog list")
    assert "listed-in-alices-kernel" in output, output
    assert "Traceback" not in output
