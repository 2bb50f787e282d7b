"""A browser's requests carry a login cookie, which a page on another site could make the
browser send too: every unsafe method then needs the X-XSRFToken header (403 without it),
as everywhere else in Jupyter. Token-authenticated requests (scripts) need none."""
import json

import pytest
import tornado.httpclient

from .helpers import artifact_files, multipart, zip_bytes
from .test_models_api import API, fetch_json, upload


def cookie_pair(response, prefix: str) -> str:
    """``name=value`` of the first Set-Cookie whose name starts with ``prefix``."""
    for header in response.headers.get_list("Set-Cookie"):
        pair = header.split(";", 1)[0]
        if pair.startswith(prefix):
            return pair
    raise AssertionError(f"no {prefix} cookie in {response.headers.get_list('Set-Cookie')}")


async def browser(jp_fetch):
    """Headers of a logged-in browser: the login cookie (got with the token, as the login
    page would) and Jupyter's _xsrf cookie, no Authorization header."""
    login = cookie_pair(await jp_fetch(*API, "version"), "username-")
    xsrf = cookie_pair(await jp_fetch("login", headers={"Authorization": ""}), "_xsrf=")
    headers = {"Authorization": "", "Cookie": f"{login}; {xsrf}"}
    return headers, xsrf.split("=", 1)[1]


async def expect_403(jp_fetch, *parts, **kwargs):
    with pytest.raises(tornado.httpclient.HTTPClientError) as excinfo:
        await jp_fetch(*API, *parts, **kwargs)
    assert excinfo.value.code == 403, excinfo.value
    error = json.loads(excinfo.value.response.body)
    assert error["error"] == "http_error" and "xsrf" in error["message"].lower()


async def test_unsafe_methods_by_cookie_need_the_xsrf_header(jp_fetch):
    headers, xsrf = await browser(jp_fetch)
    entry = await upload(jp_fetch, {"display_name": "by token"})  # a script: no XSRF needed
    # Reading by cookie alone is fine.
    assert (await fetch_json(jp_fetch, "models", entry["id"], headers=dict(headers)))["id"] == entry["id"]

    body, content_type = multipart({"display_name": "by cookie"}, zip_bytes(artifact_files(2)))
    await expect_403(jp_fetch, "models", method="POST", body=body, headers={**headers, "Content-Type": content_type})
    await expect_403(jp_fetch, "models", entry["id"], method="PATCH", body=json.dumps({"description": "x"}),
                     headers=dict(headers))
    await expect_403(jp_fetch, "models", entry["id"], "deactivate", method="POST", body="", headers=dict(headers))
    await expect_403(jp_fetch, "models", entry["id"], "download", method="POST",
                     body=json.dumps({"path": "x"}), headers=dict(headers))
    await expect_403(jp_fetch, "models", entry["id"], method="DELETE", headers=dict(headers))
    listing = await fetch_json(jp_fetch, "models")
    assert [(m["id"], m["description"]) for m in listing["items"]] == [(entry["id"], "")]

    with_xsrf = {**headers, "X-XSRFToken": xsrf}
    created = await fetch_json(jp_fetch, "models", method="POST", body=body, expect=201,
                               headers={**with_xsrf, "Content-Type": content_type})
    changed = await fetch_json(jp_fetch, "models", entry["id"], method="PATCH",
                               body=json.dumps({"description": "x"}), headers=dict(with_xsrf))
    assert changed["description"] == "x"
    response = await jp_fetch(*API, "models", created["id"], method="DELETE", headers=dict(with_xsrf))
    assert response.code == 204
