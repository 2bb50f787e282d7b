"""While the catalog service cannot reach its hub's API (the hub down or restarting), callers
are told so with 503 and a Retry-After, by token and by browser alike, and once the hub
answers again they get in without the service being restarted."""
from __future__ import annotations

import time
from urllib.parse import urlparse

import pytest
import requests
from hub_process import ADMIN_TOKEN, restart_hub, start_hub, stop_hub
from service_process import start_service, stop_service
from tcp_relay import TcpRelay
from test_hub_browser import log_in


@pytest.fixture
def hub_behind_relay(tmp_path):
    """A hub whose catalog service asks the hub's API through a relay the test can cut."""
    relay = TcpRelay(("127.0.0.1", 0))
    hub = start_hub(tmp_path / "hub", service_args=(f"--HubOAuth.api_url=http://127.0.0.1:{relay.port}/hub/api",))
    relay.target = ("127.0.0.1", urlparse(hub.api_url).port)
    relay.start()
    yield hub, relay
    relay.cut()
    stop_hub(hub)


def assert_hub_unreachable(answer: requests.Response) -> None:
    assert answer.status_code == 503, (answer.status_code, answer.text[:500])
    assert int(answer.headers["Retry-After"]) > 0
    body = answer.json()
    assert body["error"] == "catalog_unavailable"
    assert "hub" in body["message"].lower() and "again" in body["message"].lower(), body


def test_the_hub_unreachable_is_503_with_retry_after_and_then_recovers(hub_behind_relay):
    hub, relay = hub_behind_relay
    models = f"{hub.catalog_url}/model-catalog/api/models"
    token = {"Authorization": f"token {hub.token('alice')}"}
    browser, landing = log_in(hub, "alice")
    assert landing.status_code == 200, landing.text[:500]
    assert requests.get(models, headers=token, timeout=30).status_code == 200
    assert browser.get(models, timeout=30).status_code == 200

    relay.cut()
    time.sleep(1.5)  # the hub's answers are reused for 1 s (hub_process.py)
    for method in ("GET", "DELETE"):
        assert_hub_unreachable(requests.request(method, f"{models}/mdl-x" if method == "DELETE" else models,
                                                headers=token, timeout=30))
    # A browser's cookie holds a hub token too; so does its way in.
    assert_hub_unreachable(browser.get(models, timeout=30))
    assert_hub_unreachable(browser.get(f"{hub.catalog_url}/", timeout=30))
    # A login that comes back from the hub's authorization while the hub's API is out of reach.
    _, callback = log_in(hub, "bob")
    assert "/oauth_callback" in callback.url, callback.url
    assert_hub_unreachable(callback)
    log = hub.log_text()
    assert "cannot be reached" in log
    assert not any(made in log for made in hub.tokens_made)

    relay.start()  # the hub answers again: the running service lets callers in
    assert requests.get(models, headers=token, timeout=30).status_code == 200
    assert browser.get(models, timeout=30).status_code == 200
    bobs_browser, landing = log_in(hub, "bob")
    assert landing.status_code == 200 and landing.json()["user"] == "bob", landing.text[:500]


@pytest.fixture
def own_hub(tmp_path):
    """A hub of the test's own, to stop and start again."""
    hub = start_hub(tmp_path / "hub")
    yield hub
    stop_hub(hub)


def test_the_hub_stopped_and_started_again(own_hub, tmp_path):
    # An instance the hub does not start (as behind a load balancer): it outlives the hub.
    env = {"JUPYTERHUB_SERVICE_NAME": "model-catalog", "JUPYTERHUB_API_TOKEN": ADMIN_TOKEN,
           "JUPYTERHUB_API_URL": own_hub.api_url}
    service = start_service(tmp_path / "external", identity={}, env=env,
                            extra=("--CatalogHubIdentityProvider.hub_cache_max_age=1",))
    try:
        models = f"{service.url}/model-catalog/api/models"
        token = {"Authorization": f"token {own_hub.token('alice')}"}
        assert requests.get(models, headers=token, timeout=30).status_code == 200
        stop_hub(own_hub)
        time.sleep(1.5)
        assert_hub_unreachable(requests.get(models, headers=token, timeout=30))
        assert "cannot be reached" in service.log_text()
        # One kept-alive connection, as a proxy holds it: each request gets the service's
        # answer. (Refused before its body is read, a request to a streaming route ends its
        # connection, and the answer says so: a proxy must not send another into it.)
        with requests.Session() as client:
            for _ in range(3):
                for method, url in (("GET", models), ("DELETE", f"{models}/mdl-x"), ("POST", models)):
                    answer = client.request(method, url, headers=token, timeout=30)
                    assert_hub_unreachable(answer)
                    assert (answer.headers.get("Connection") == "close") == (url == models), (method, url)
        restart_hub(own_hub)
        assert requests.get(models, headers=token, timeout=30).status_code == 200
        assert not any(made in service.log_text() for made in own_hub.tokens_made)
    finally:
        stop_service(service)
