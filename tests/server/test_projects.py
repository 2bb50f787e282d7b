"""GET projects on a catalog without projects (the embedded one): a clear 501, not a 500."""
import json

import pytest
import tornado.httpclient


async def test_projects_on_a_catalog_without_them_is_a_501(jp_fetch):
    with pytest.raises(tornado.httpclient.HTTPClientError) as err:
        await jp_fetch("model-catalog", "api", "projects")
    assert err.value.code == 501
    body = json.loads(err.value.response.body)
    assert body["error"] == "unsupported" and "no projects" in body["message"]
