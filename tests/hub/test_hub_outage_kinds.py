"""Which failures of jupyterhub's HubAuth are the hub out of reach (503, retry) and which are
not (a refused service token stays a server error an operator must fix): real HubAuth
requests to real local servers."""
from __future__ import annotations

import http.server
import threading

import pytest
from jupyterhub.services.auth import HubAuth
from service_process import free_port
from tornado import web

from model_catalog_ext.errors import CatalogUnavailable
from model_catalog_ext.service.hub_outage import asking_hub


@pytest.fixture
def answering():
    """``answering(status)`` -> the API URL of a local server that answers every request so."""
    servers = []

    def start(status: int) -> str:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"message": "no"}')

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/hub/api"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def ask(api_url: str):
    auth = HubAuth(api_url=api_url, api_token="the-services-own-token", cache_max_age=0)
    return asking_hub(auth.user_for_token("a-users-token", use_cache=False, sync=False))


async def test_nothing_listening_is_the_hub_out_of_reach():
    with pytest.raises(CatalogUnavailable) as raised:
        await ask(f"http://127.0.0.1:{free_port()}/hub/api")
    assert raised.value.details["retry_after"] > 0 and "cannot be reached" in raised.value.message


@pytest.mark.parametrize("status", [502, 503, 500])
async def test_a_server_error_in_front_of_or_of_the_hub_is_the_hub_out_of_reach(answering, status):
    with pytest.raises(CatalogUnavailable):
        await ask(answering(status))


async def test_the_hub_refusing_the_services_own_token_stays_a_server_error(answering):
    # HubAuth passes a 403 on (allow_403: an unknown user token); a 400 is another failure.
    with pytest.raises(web.HTTPError) as raised:
        await ask(answering(400))
    assert raised.value.status_code == 500 and not isinstance(raised.value, CatalogUnavailable)
