"""The service lets in only callers with a token it knows: no token, a wrong one, or one in
the URL's query are 401, over raw HTTP and through the client backend; and the client never
shows its token."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.errors import CatalogUnavailable

from .conftest import ALICE_TOKEN


def _status(url: str, headers: dict, method: str = "GET", body: bytes | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers, method=method, data=body)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.parametrize("route, method", [("models", "GET"), ("capabilities", "GET"), ("stats", "GET"),
                                           ("models", "POST"), ("models/mdl-x", "DELETE"),
                                           ("models/mdl-x/deactivate", "POST")])
def test_no_token_and_a_wrong_token_are_401(team_service, route, method):
    url = f"{team_service.url}/model-catalog/api/{route}"
    body = b"" if method == "POST" else None
    for headers in ({}, {"Authorization": "token not-a-token-it-knows"}, {"Authorization": "Bearer nope"}):
        status, answer = _status(url, headers, method, body)
        assert status == 401, (headers, answer)
        assert answer["error"] == "http_error"
    # Jupyter's ?token= login is not for the service: tokens in URLs end up in access logs.
    status, _ = _status(f"{url}?token={team_service.token}", {}, method, body)
    assert status == 401
    assert team_service.token not in team_service.log_text()


def test_known_tokens_are_let_in(team_service):
    for token in (team_service.token, ALICE_TOKEN):
        status, answer = _status(f"{team_service.url}/model-catalog/api/models", {"Authorization": f"token {token}"})
        assert (status, answer["items"]) == (200, [])


def test_the_client_is_refused_without_showing_its_token(team_service, monkeypatch):
    monkeypatch.delenv("MODEL_CATALOG_TOKEN", raising=False)
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)
    with pytest.raises(CatalogUnavailable, match="no token was sent") as err:
        open_catalog(team_service.url).list()
    assert err.value.details["status"] == 401
    wrong = "wrong-token-that-must-not-be-shown"
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", wrong)
    with pytest.raises(CatalogUnavailable, match="does not know the token") as err:
        open_catalog(team_service.url).list()
    assert wrong not in str(err.value) and wrong not in json.dumps(err.value.to_dict())
    # A JupyterHub user's own API token opens the whole hub account: it is never sent.
    monkeypatch.delenv("MODEL_CATALOG_TOKEN")
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", ALICE_TOKEN)
    with pytest.raises(CatalogUnavailable, match="no token was sent"):
        open_catalog(team_service.url).list()


def test_an_unreachable_service_is_named_without_the_token(monkeypatch):
    from tests.catalog.service_process import free_port  # noqa: PLC0415 (the helper lives with the catalog tests)

    monkeypatch.setenv("MODEL_CATALOG_TOKEN", "secret-of-an-unreachable-service")
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(CatalogUnavailable, match="cannot be reached") as err:
        open_catalog(url).get("mdl-anything")
    assert url in err.value.message and "secret-of" not in err.value.message


@pytest.mark.parametrize("url", ["http://alice:secret@127.0.0.1:1", "http://127.0.0.1:1/?token=secret",
                                 "http:///no-host"])
def test_a_url_with_a_token_or_without_a_host_is_refused(url):
    from model_catalog_ext.errors import InvalidInput

    with pytest.raises(InvalidInput) as err:
        open_catalog(url)
    assert "secret" not in err.value.message


def test_a_token_revoked_from_the_tokens_file_is_refused_without_a_restart(team_service, tmp_path):
    url = f"{team_service.url}/model-catalog/api/models"
    assert _status(url, {"Authorization": f"token {ALICE_TOKEN}"})[0] == 200
    (tmp_path / "tokens.json").write_text(json.dumps({"bobs-new-token": "bob"}))
    assert _status(url, {"Authorization": f"token {ALICE_TOKEN}"})[0] == 401
    assert _status(url, {"Authorization": "token bobs-new-token"})[0] == 200


def test_there_is_no_login_page_nor_any_other_jupyter_route(team_service):
    token = {"Authorization": f"token {team_service.token}"}
    for path, method in (("login", "GET"), ("login", "POST"), ("api/contents", "GET"), ("files/service.log", "GET"),
                         ("api/kernels", "POST"), ("api/sessions", "GET"), ("api/terminals", "GET")):
        request = urllib.request.Request(f"{team_service.url}/{path}", headers=token, method=method,
                                         data=b"" if method == "POST" else None)
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=10)
        assert err.value.code in (404, 405), (path, err.value.code)


@pytest.fixture
def proxied_service(tmp_path):
    from tests.catalog.service_process import start_service, stop_service

    service = start_service(tmp_path / "proxied", identity={"trusted_header": "X-Forwarded-User"})
    yield service
    stop_service(service)


def test_behind_a_proxy_the_trusted_header_names_the_user(proxied_service):
    url = f"{proxied_service.url}/model-catalog/api/models"
    assert _status(url, {"X-Forwarded-User": "alice"})[0] == 200
    assert _status(url, {})[0] == 401
    assert _status(url, {"X-Forwarded-User": "   "})[0] == 401
    # A wrong token is refused, whatever the header says.
    assert _status(url, {"X-Forwarded-User": "alice", "Authorization": "token wrong"})[0] == 401
    # A proxy's user came with a browser session: a change needs the XSRF token, as in Jupyter.
    status, answer = _status(f"{url}/mdl-x/deactivate", {"X-Forwarded-User": "alice"}, "POST", b"")
    assert status == 403 and "xsrf" in answer["message"].lower()


@pytest.mark.parametrize("bad", ["two\nlines-secret", "tab\tsecret", "nonascii-é-secret"])
def test_a_token_that_cannot_be_sent_is_refused_without_showing_it(team_service, monkeypatch, bad):
    from model_catalog_ext.errors import InvalidInput

    monkeypatch.setenv("MODEL_CATALOG_TOKEN", bad)
    with pytest.raises(InvalidInput, match="MODEL_CATALOG_TOKEN") as err:
        open_catalog(team_service.url).list()
    assert "secret" not in str(err.value) and "secret" not in repr(err.value.details)
