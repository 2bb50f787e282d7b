"""Programs reach the hub-managed catalog service through the hub's proxy with their hub API
tokens: the hub names the user behind each, and only tokens with access to the service get in."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.errors import CatalogUnavailable


def call(url: str, token: str | None = None, method: str = "GET", body: bytes | None = None,
         headers: dict | None = None) -> tuple[int, dict]:
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"token {token}"
    request = urllib.request.Request(url, data=body, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, data = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, data = exc.code, exc.read()
    try:
        return status, json.loads(data or b"null")
    except ValueError:
        return status, {"text": data.decode(errors="replace")}  # a page that is not the API's


def test_a_users_hub_token_saves_and_lists_as_that_user(hub, artifact, no_client_tokens):
    no_client_tokens.setenv("MODEL_CATALOG_TOKEN", hub.token("alice"))
    catalog = open_catalog(hub.catalog_url)
    entry = catalog.save(artifact, display_name="alices-model", created_by="mallory")  # a forged author
    assert entry.created_by == "alice"
    assert catalog.get(entry.id).created_by == "alice"
    assert entry.id in [e.id for e in catalog.list(created_by="alice").items]

    no_client_tokens.setenv("MODEL_CATALOG_TOKEN", hub.token("bob"))
    catalog = open_catalog(hub.catalog_url)
    bobs = catalog.save(artifact, display_name="bobs-model", created_by="alice")
    assert bobs.created_by == "bob"
    assert {e.id for e in catalog.list().items} >= {entry.id, bobs.id}


def test_a_forged_author_header_or_field_is_not_taken(hub):
    from tests.server.helpers import artifact_files, multipart, zip_bytes

    token = hub.token("bob")
    body, content_type = multipart({"display_name": "forged"}, zip_bytes(artifact_files()))
    status, answer = call(f"{hub.catalog_url}/model-catalog/api/models", token, "POST", body,
                          {"Content-Type": content_type, "X-Model-Catalog-Author": "alice"})
    assert (status, answer["created_by"]) == (201, "bob")
    body, content_type = multipart({"display_name": "forged", "created_by": "alice"}, zip_bytes(artifact_files()))
    status, answer = call(f"{hub.catalog_url}/model-catalog/api/models", token, "POST", body,
                          {"Content-Type": content_type})
    assert status == 400 and "created_by" in answer["message"]


def test_the_service_knows_the_users_hub_groups(hub):
    status, answer = call(f"{hub.catalog_url}/", hub.token("bob"))
    assert status == 200
    assert answer == {"user": "bob", "groups": ["data-science", "ml-platform"],
                      "api": "/services/model-catalog/model-catalog/api/"}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "token not-a-hub-token"},
                                     {"Authorization": "Bearer 0123456789abcdef0123456789abcdef"}])
def test_no_token_or_an_unknown_one_is_401(hub, headers):
    for route, method in (("models", "GET"), ("models", "POST"), ("models/mdl-x", "DELETE")):
        status, answer = call(f"{hub.catalog_url}/model-catalog/api/{route}", method=method,
                              body=b"" if method == "POST" else None, headers=headers)
        assert status == 401, (route, method, answer)
        assert answer["error"] == "http_error"


def test_a_token_in_the_url_is_not_taken(hub):
    token = hub.token("alice")
    status, _ = call(f"{hub.catalog_url}/model-catalog/api/models?token={token}")
    assert status == 401


def test_an_expired_token_is_401(hub):
    token = hub.token("alice", expires_in=2)
    url = f"{hub.catalog_url}/model-catalog/api/models"
    assert call(url, token)[0] == 200
    time.sleep(3.5)  # expired on the hub, and the service's answer from the hub (1 s in the tests) is stale
    status, answer = call(url, token)
    assert status == 401, answer


def test_a_revoked_token_is_401(hub):
    made = hub.hub_api("POST", "users/alice/tokens", {"note": "revoked below"})
    token = made["token"]
    hub.tokens_made.append(token)
    url = f"{hub.catalog_url}/model-catalog/api/models"
    assert call(url, token)[0] == 200
    hub.hub_api("DELETE", f"users/alice/tokens/{made['id']}")
    time.sleep(1.5)
    assert call(url, token)[0] == 401


def test_a_user_the_hub_gives_no_access_is_403_with_the_reason(hub, no_client_tokens):
    status, answer = call(f"{hub.catalog_url}/model-catalog/api/models", hub.token("carol"))
    assert status == 403
    assert "carol" in answer["message"] and "access:services!service=model-catalog" in answer["message"]
    # Through the client: a clear error, without the token.
    token = hub.token("carol")
    no_client_tokens.setenv("MODEL_CATALOG_TOKEN", token)
    with pytest.raises(CatalogUnavailable, match="access:services!service=model-catalog") as err:
        open_catalog(hub.catalog_url).list()
    assert token not in str(err.value) and token not in json.dumps(err.value.to_dict())


def test_a_token_of_alice_without_the_services_scope_is_403(hub):
    token = hub.token("alice", scopes=["read:users:name!user=alice"])
    status, answer = call(f"{hub.catalog_url}/model-catalog/api/models", token)
    assert status == 403 and "access:services!service=model-catalog" in answer["message"]


def test_another_services_token_is_403(hub):
    from hub_process import ADMIN_TOKEN

    status, answer = call(f"{hub.catalog_url}/model-catalog/api/models", ADMIN_TOKEN)
    assert status == 403 and "test-admin" in answer["message"]


def test_no_token_is_ever_logged(hub, artifact, no_client_tokens):
    from tests.server.helpers import artifact_files, multipart, zip_bytes

    url = f"{hub.catalog_url}/model-catalog/api/models"
    good, expired, refused = hub.token("alice"), hub.token("alice", expires_in=1), hub.token("carol")
    wrong = "f00dfeedf00dfeedf00dfeedf00dfeed"
    time.sleep(1.5)
    body, content_type = multipart({"display_name": "logged?"}, zip_bytes(artifact_files()))
    for token in (good, expired, refused, wrong):
        call(url, token)
        call(f"{url}?token={token}")
        call(url, token, "POST", body, {"Content-Type": content_type})
        call(f"{url}/mdl-missing", token, "DELETE")
        no_client_tokens.setenv("MODEL_CATALOG_TOKEN", token)
        try:
            open_catalog(hub.catalog_url).save(artifact, display_name="logged?")
        except CatalogUnavailable as exc:
            assert token not in str(exc) and token not in json.dumps(exc.to_dict())
    log = hub.log_text()
    assert "POST /services/model-catalog/model-catalog/api/models" in log  # the requests are in it
    for token in [*hub.tokens_made, wrong]:
        assert token not in log


def test_a_trusted_header_is_not_trusted_under_a_hub(hub):
    # The hub's proxy passes any client's headers on: the header names nobody.
    status, _ = call(f"{hub.catalog_url}/model-catalog/api/models", headers={"X-Forwarded-User": "alice"})
    assert status == 401
    assert "trusted_header (X-Forwarded-User) is ignored under JupyterHub" in hub.log_text()
