"""A catalog service instance the hub does not start (an external service, e.g. one of several
behind a load balancer): started with the hub's variables, it checks hub tokens the same way;
without an OAuth client it has no browser login."""
from __future__ import annotations

import pytest
from hub_process import ADMIN_TOKEN
from service_process import start_service, stop_service
from test_hub_tokens import call


@pytest.fixture
def external_instance(hub, tmp_path):
    env = {"JUPYTERHUB_SERVICE_NAME": "model-catalog", "JUPYTERHUB_API_TOKEN": ADMIN_TOKEN,
           "JUPYTERHUB_API_URL": hub.api_url}
    service = start_service(tmp_path / "external", identity={}, env=env)
    yield service
    stop_service(service)


def test_an_external_instance_checks_hub_tokens(hub, external_instance):
    url = f"{external_instance.url}/model-catalog/api/models"
    assert call(url, hub.token("alice"))[0] == 200
    status, answer = call(url, hub.token("carol"))
    assert status == 403 and "access:services!service=model-catalog" in answer["message"]
    assert call(url, "not-a-hub-token")[0] == 401
    assert call(url)[0] == 401
    # The operator's own token still works beside the hub's.
    assert call(url, external_instance.token)[0] == 200
    # No OAuth client: no OAuth callback.
    assert call(f"{external_instance.url}/oauth_callback?code=x&state=y", hub.token("alice"))[0] == 404
    assert "tokens only: no OAuth client" in external_instance.log_text()
