"""A save over HTTP into a full artifact store: 507 with a JSON message, nothing stored."""
import io
import json
import os
import zipfile

import pytest
import tornado.httpclient

from .helpers import multipart

API = ("model-catalog", "api")


@pytest.fixture
def jp_server_config(jp_server_config, tiny_disk):
    jp_server_config["ModelCatalogConfig"]["artifact_root"] = str(tiny_disk / "blobs")
    return jp_server_config


def _deflated_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


async def test_an_upload_into_a_full_store_is_507_and_stores_nothing(jp_fetch, tiny_disk):
    # Uploads are received on the store's disk: a small zip, so that storing what it holds
    # is what fills the disk.
    body, content_type = multipart({"display_name": "big"},
                                   _deflated_zip({"score.py": b"x = 1\n", "weights.bin": bytes(12 * 2**20)}))
    with pytest.raises(tornado.httpclient.HTTPClientError) as excinfo:
        await jp_fetch(*API, "models", method="POST", body=body, headers={"Content-Type": content_type})
    assert excinfo.value.code == 507
    error = json.loads(excinfo.value.response.body)
    assert error["error"] == "storage_full"
    assert "no room" in error["message"] and "'weights.bin'" in error["message"]
    listing = json.loads((await jp_fetch(*API, "models", params={"state": "ALL"})).body)
    assert listing["items"] == []
    assert [f for _, _, fs in os.walk(tiny_disk / "blobs") for f in fs] == []
