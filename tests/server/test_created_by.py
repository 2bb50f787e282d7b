"""created_by names a person: with Jupyter's token login (an anonymous, random id per
request) the user running the server, as the CLI records; with a provider that knows its
users (JupyterHub's), that user."""
import getpass

import pytest
from jupyter_server.auth.identity import IdentityProvider, User

from .test_models_api import upload


class HubLikeIdentityProvider(IdentityProvider):
    """Names its users, as JupyterHub's provider does: whoever holds the token is alice."""

    async def get_user(self, handler):
        if not self.token or self.get_token(handler) != self.token:
            return None
        handler._token_authenticated = True  # a token request needs no XSRF check
        return User("alice")


async def test_token_login_records_the_os_user(jp_fetch, jp_serverapp, monkeypatch):
    monkeypatch.delenv("USER_OCID", raising=False)
    assert type(jp_serverapp.identity_provider).__module__.startswith("jupyter_server.")
    first = await upload(jp_fetch, {"display_name": "mine"})
    second = await upload(jp_fetch, {"display_name": "mine too"})
    assert first["created_by"] == second["created_by"] == getpass.getuser()


class TestAProviderThatKnowsItsUsers:
    @pytest.fixture
    def jp_server_config(self, jp_server_config):
        jp_server_config["ServerApp"]["identity_provider_class"] = HubLikeIdentityProvider
        return jp_server_config

    async def test_its_user_name_is_recorded(self, jp_fetch, jp_serverapp):
        assert isinstance(jp_serverapp.identity_provider, HubLikeIdentityProvider)
        entry = await upload(jp_fetch, {"display_name": "hers"})
        assert entry["created_by"] == "alice"


async def test_an_author_named_by_the_client_is_not_heard(jp_fetch, monkeypatch):
    """X-Model-Catalog-Author counts only for identities a catalog service trusts to name
    authors; Jupyter's own providers trust nobody to."""
    from .helpers import artifact_files, multipart, zip_bytes
    from .test_models_api import fetch_json

    monkeypatch.delenv("USER_OCID", raising=False)
    body, content_type = multipart({"display_name": "mine"}, zip_bytes(artifact_files()))
    entry = await fetch_json(jp_fetch, "models", method="POST", body=body, expect=201,
                             headers={"Content-Type": content_type, "X-Model-Catalog-Author": "mallory"})
    assert entry["created_by"] == getpass.getuser()
