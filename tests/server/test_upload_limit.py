"""An upload over c.ModelCatalogConfig.max_upload_size is refused with 413 and stores nothing."""
import json

import pytest
import tornado.httpclient

from .helpers import multipart, zip_bytes

API = ("model-catalog", "api")


@pytest.fixture
def jp_server_config(jp_server_config):
    jp_server_config["ModelCatalogConfig"]["max_upload_size"] = 64 * 1024
    return jp_server_config


async def test_oversized_upload_is_refused(jp_fetch):
    big = {"score.py": b"x", "weights.bin": bytes(200 * 1024)}
    body, content_type = multipart({"display_name": "big"}, zip_bytes(big))
    with pytest.raises(tornado.httpclient.HTTPClientError) as excinfo:
        await jp_fetch(*API, "models", method="POST", body=body, headers={"Content-Type": content_type})
    assert excinfo.value.code == 413
    assert json.loads(excinfo.value.response.body)["error"] == "payload_too_large"
    listing = json.loads((await jp_fetch(*API, "models", params={"state": "ALL"})).body)
    assert listing["items"] == []
