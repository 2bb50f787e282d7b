"""Every answer under /model-catalog/api/ is JSON: unknown routes and unknown ids are a JSON
404, and Jupyter's own query parameters (URL login, XSRF) are never "unknown"."""
import json

import pytest
import tornado.httpclient

from .test_models_api import API, fetch_json, upload


async def test_jupyter_query_parameters_are_accepted(jp_fetch, jp_serverapp):
    entry = await upload(jp_fetch, {"display_name": "listed"})
    token = jp_serverapp.identity_provider.token
    # Jupyter's URL login: the token in the query, no Authorization header.
    by_url = await fetch_json(jp_fetch, "models", params={"token": token}, headers={"Authorization": ""})
    assert [m["id"] for m in by_url["items"]] == [entry["id"]]
    for params in ({"_xsrf": "abc"}, {"no_track_activity": "1"}, {"token": token, "_xsrf": "abc", "q": "listed"}):
        listing = await fetch_json(jp_fetch, "models", params=params)
        assert [m["id"] for m in listing["items"]] == [entry["id"]], params
    typo = await fetch_json(jp_fetch, "models", params={"tokn": "x"}, expect=400)
    assert "tokn" in typo["message"] and "token" not in typo["message"].split(";")[0]


@pytest.mark.parametrize("method, parts", [
    ("GET", ("nothing",)),
    ("POST", ("nothing", "at", "all")),
    ("DELETE", ("models",)),
    ("GET", ("jobs", "ABC")),
    ("GET", ("models", "x", "artifact", "nope")),
    ("GET", ()),
    ("PUT", ("version",)),
])
async def test_unknown_routes_are_json(jp_fetch, method, parts):
    with pytest.raises(tornado.httpclient.HTTPClientError) as excinfo:
        await jp_fetch(*API, *parts, method=method, body=None if method in ("GET", "DELETE") else "{}",
                       allow_nonstandard_methods=True)
    response = excinfo.value.response
    assert response.headers["Content-Type"].startswith("application/json")
    error = json.loads(response.body)
    assert set(error) <= {"error", "message", "details"}
    if excinfo.value.code == 404:
        assert error["error"] == "not_found" and "openapi.yaml" in error["message"]
    else:  # a known route, not this method
        assert excinfo.value.code == 405 and error["error"] == "http_error"


async def test_unknown_routes_still_need_authentication(jp_fetch):
    with pytest.raises(tornado.httpclient.HTTPClientError) as excinfo:
        await jp_fetch(*API, "nothing", headers={"Authorization": ""})
    assert excinfo.value.code == 401  # no credentials: 401, as openapi.yaml says (issue 19 item 17)
    assert json.loads(excinfo.value.response.body)["error"] == "http_error"


@pytest.mark.parametrize("method, parts, body", [
    ("GET", (), None),
    ("PATCH", (), json.dumps({"description": "x"})),
    ("DELETE", (), None),
    ("POST", ("activate",), ""),
    ("POST", ("deactivate",), ""),
    ("GET", ("versions",), None),
    ("GET", ("artifact",), None),
    ("GET", ("artifact", "files", "score.py"), None),
    ("POST", ("download",), json.dumps({"path": "somewhere"})),
])
async def test_an_unknown_model_id_is_a_404(jp_fetch, jp_root_dir, method, parts, body):
    error = await fetch_json(jp_fetch, "models", "mdl-0000000000000000deadbeef", *parts,
                             method=method, body=body, expect=404)
    assert error["error"] == "not_found" and "mdl-0000000000000000deadbeef" in error["message"]
    assert not (jp_root_dir / "somewhere").exists()
