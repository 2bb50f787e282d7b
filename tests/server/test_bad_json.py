"""JSON nested beyond reason is a 400 like any other malformed body, never a 500."""
import json

import pytest

from .helpers import artifact_files, multipart, zip_bytes
from .test_models_api import fetch_json, upload

DEEP = "[" * 100_000
VALID_BUT_DEEP = "[" * 150 + "]" * 150


@pytest.mark.parametrize("text", [DEEP, VALID_BUT_DEEP], ids=["unclosed", "closed"])
async def test_deeply_nested_json_is_a_400_everywhere(jp_fetch, text):
    entry = await upload(jp_fetch, {"display_name": "target"})
    requests = [
        (("models", entry["id"]), "PATCH"),
        (("models", entry["id"], "download"), "POST"),
        (("notebooks", "save"), "POST"),
        (("files", "save"), "POST"),
    ]
    for parts, method in requests:
        error = await fetch_json(jp_fetch, *parts, method=method, body=text, expect=400)
        assert error["error"] == "invalid_input" and "nested" in error["message"], (parts, error)
    body, content_type = multipart(text, zip_bytes(artifact_files()))
    error = await fetch_json(jp_fetch, "models", method="POST", body=body,
                             headers={"Content-Type": content_type}, expect=400)
    assert error["error"] == "invalid_input" and "metadata" in error["message"]
    error = await fetch_json(jp_fetch, "models", method="POST", body=zip_bytes(artifact_files()),
                             params={"metadata": text[:4000]}, headers={"Content-Type": "application/zip"},
                             expect=400)
    assert error["error"] == "invalid_input"
    listing = await fetch_json(jp_fetch, "models", params={"state": "ALL"})
    assert [m["id"] for m in listing["items"]] == [entry["id"]]


async def test_metadata_that_is_not_utf8_is_a_400(jp_fetch):
    body, content_type = multipart("{}", zip_bytes(artifact_files()))
    body = body.replace(b"{}", b'{"display_name": "\xff\xfe"}')
    error = await fetch_json(jp_fetch, "models", method="POST", body=body,
                             headers={"Content-Type": content_type}, expect=400)
    assert error["error"] == "invalid_input"


async def test_ordinary_nesting_is_fine(jp_fetch):
    entry = await upload(jp_fetch, {"display_name": "nested", "defined_metadata": {"a": {"b": {"c": [1, [2]]}}}})
    changed = await fetch_json(jp_fetch, "models", entry["id"], method="PATCH",
                               body=json.dumps({"defined_metadata": {"x": [[[[{"y": 1}]]]]}}))
    assert changed["defined_metadata"] == {"x": [[[[{"y": 1}]]]]}
