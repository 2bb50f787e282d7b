"""An upload refused for its headers leaves nothing in the server's temporary folder."""
from .helpers import artifact_files, multipart, zip_bytes
from .test_models_api import fetch_json


async def test_refused_headers_leave_no_temporary_folder(jp_fetch, spool):
    body, _ = multipart({"display_name": "x"}, zip_bytes(artifact_files()))
    for content_type in ("text/plain", "", "multipart/form-data", "multipart/form-data; boundary=" + "b" * 300):
        error = await fetch_json(jp_fetch, "models", method="POST", body=body,
                                 headers={"Content-Type": content_type}, expect=400)
        assert error["error"] == "invalid_input", content_type
    assert list(spool.iterdir()) == []


async def test_refused_bodies_leave_no_temporary_folder(jp_fetch, spool):
    body, content_type = multipart({"display_name": "x"}, zip_bytes(artifact_files()))
    await fetch_json(jp_fetch, "models", method="POST", body=body[:-40], headers={"Content-Type": content_type},
                     expect=400)
    await fetch_json(jp_fetch, "models", method="POST", body=body, headers={"Content-Type": content_type},
                     expect=201)
    assert list(spool.iterdir()) == []
