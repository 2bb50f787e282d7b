"""Which token a client sends where (no hub needed): the user's hub token only to a service of
that very hub; MODEL_CATALOG_TOKEN first."""
from __future__ import annotations

import pytest

from model_catalog_ext.catalog.http_backend.hub_token import token_for

HUB = {"JUPYTERHUB_API_TOKEN": "hub-token", "JUPYTERHUB_API_URL": "http://10.0.0.5:8081/hub/api",
       "JUPYTERHUB_BASE_URL": "/", "JUPYTERHUB_PUBLIC_HUB_URL": "https://hub.example.com/hub/",
       "JUPYTERHUB_PUBLIC_URL": "https://hub.example.com/user/alice/", "JUPYTERHUB_HOST": ""}


@pytest.fixture
def hub_env(no_client_tokens):
    for name, value in HUB.items():
        no_client_tokens.setenv(name, value)
    return no_client_tokens


@pytest.mark.parametrize("url", ["https://hub.example.com/services/model-catalog",
                                 "https://hub.example.com:443/services/model-catalog/",
                                 "https://HUB.example.com/services/catalog/model-catalog/api",
                                 "http://10.0.0.5:8081/services/model-catalog"])
def test_a_service_of_the_hub_gets_the_hub_token(hub_env, url):
    assert token_for(url) == ("hub-token", "JUPYTERHUB_API_TOKEN")


@pytest.mark.parametrize("url", [
    "https://catalog.example.com/services/model-catalog",  # another host
    "https://hub.example.com.evil.org/services/model-catalog",
    "http://hub.example.com/services/model-catalog",  # another scheme (port)
    "https://hub.example.com:8443/services/model-catalog",  # another port of the hub's host
    "http://10.0.0.5:8585/services/model-catalog",
    "https://hub.example.com/user/bob/model-catalog",  # a user's server, not a service
    "https://hub.example.com/services/",  # no service named
    "https://hub.example.com/hub/api",
    "https://hub.example.com/servicesx/model-catalog",
    # The proxy resolves dot segments before routing: these lead to another user's server.
    "https://hub.example.com/services/model-catalog/../../user/mallory/proxy/8000",
    "https://hub.example.com/services/%2e%2e/user/mallory/",
    "https://hub.example.com/services/model-catalog/%2E%2E/%2e%2e/user/mallory",
    "https://hub.example.com/services/./model-catalog/..",
])
def test_any_other_url_gets_no_token(hub_env, url):
    assert token_for(url) == (None, "MODEL_CATALOG_TOKEN")


def test_a_hub_under_a_base_url(hub_env):
    hub_env.setenv("JUPYTERHUB_BASE_URL", "/jupyter/")
    assert token_for("https://hub.example.com/jupyter/services/model-catalog")[0] == "hub-token"
    assert token_for("https://hub.example.com/services/model-catalog")[0] is None


def test_model_catalog_token_wins(hub_env):
    hub_env.setenv("MODEL_CATALOG_TOKEN", " mine ")
    assert token_for("https://hub.example.com/services/model-catalog") == ("mine", "MODEL_CATALOG_TOKEN")


def test_outside_a_hub_nothing_but_model_catalog_token(no_client_tokens):
    assert token_for("https://hub.example.com/services/model-catalog") == (None, "MODEL_CATALOG_TOKEN")
