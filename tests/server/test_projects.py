"""GET projects on a catalog without projects (the embedded one): a clear 400 'unsupported'
that says so, never a 5xx (which is kept for faults of the server)."""
import json

import pytest
import tornado.httpclient


async def test_projects_on_a_catalog_without_them_is_unsupported(jp_fetch):
    with pytest.raises(tornado.httpclient.HTTPClientError) as err:
        await jp_fetch("model-catalog", "api", "projects")
    assert err.value.code == 400
    body = json.loads(err.value.response.body)
    assert body["error"] == "unsupported" and "no projects" in body["message"]
