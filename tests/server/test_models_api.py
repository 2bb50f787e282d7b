"""The models REST API against a real Jupyter Server and a real embedded catalog."""
import io
import json
import zipfile

import pytest
import tornado.httpclient

from .helpers import artifact_files, multipart, zip_bytes

API = ("model-catalog", "api")


async def fetch_json(jp_fetch, *parts, expect=200, **kwargs):
    try:
        response = await jp_fetch(*API, *parts, **kwargs)
    except tornado.httpclient.HTTPClientError as exc:
        assert exc.code == expect, (exc.code, exc.response.body if exc.response else None)
        body = json.loads(exc.response.body)
        assert set(body) >= {"error", "message"}
        return body
    assert response.code == expect, response.code
    return json.loads(response.body) if response.body else None


async def upload(jp_fetch, metadata, files=None, expect=201):
    body, content_type = multipart(metadata, zip_bytes(files or artifact_files()))
    return await fetch_json(
        jp_fetch, "models", method="POST", body=body, headers={"Content-Type": content_type}, expect=expect
    )


def stored_blob_count(catalog_home):
    blobs = catalog_home / "blobs"
    return sum(1 for p in blobs.rglob("*") if p.is_file()) if blobs.exists() else 0


async def test_upload_get_list_and_versions(jp_fetch):
    meta = {"display_name": "churn", "description": "first", "freeform_tags": {"version": "3"}}
    entry = await upload(jp_fetch, meta)
    assert entry["display_name"] == "churn" and entry["version"] == 1
    assert {f["path"] for f in entry["manifest"]} >= {"score.py", "weights.json"}

    got = await jp_fetch(*API, "models", entry["id"])
    assert got.headers["ETag"] == f'"{entry["etag"]}"'

    listing = await fetch_json(jp_fetch, "models", params={"tag": "version:3"})
    assert [m["id"] for m in listing["items"]] == [entry["id"]]
    assert "manifest" not in listing["items"][0]
    nothing = await fetch_json(jp_fetch, "models", params={"q": "tag:version=4"})
    assert nothing["items"] == []
    by_text = await fetch_json(jp_fetch, "models", params={"q": "chur"})
    assert [m["id"] for m in by_text["items"]] == [entry["id"]]
    # `text` and the words of `q` narrow together (found by the fuzzer: once a 500).
    both = await fetch_json(jp_fetch, "models", params={"q": "chur", "text": "first"})
    assert [m["id"] for m in both["items"]] == [entry["id"]]
    neither = await fetch_json(jp_fetch, "models", params={"q": "chur", "text": "second"})
    assert neither["items"] == []
    # JupyterLab's request helper adds a bare numeric cache-buster; it is not a filter.
    busted = await fetch_json(jp_fetch, "models", params={"q": "chur", "1795608869858": ""})
    assert [m["id"] for m in busted["items"]] == [entry["id"]]
    typo = await fetch_json(jp_fetch, "models", params={"stat": "ALL"}, expect=400)
    assert "stat" in typo["message"]

    v2 = await upload(jp_fetch, {"display_name": "churn", "as_new_version_of": entry["id"]}, artifact_files(2))
    assert v2["version"] == 2 and v2["parent_id"] == entry["id"]
    versions = await fetch_json(jp_fetch, "models", entry["id"], "versions")
    assert [v["version"] for v in versions["items"]] == [1, 2]


async def test_latest_lists_one_row_per_model_with_counts(jp_fetch):
    churn = await upload(jp_fetch, {"display_name": "churn"}, artifact_files(1))
    await upload(jp_fetch, {"display_name": "churn", "as_new_version_of": churn["id"]}, artifact_files(2))
    fraud = await upload(jp_fetch, {"display_name": "fraud"}, artifact_files(3))
    page = await fetch_json(jp_fetch, "models", params={"latest": "true", "total": "true", "sort": "name"})
    assert [(m["display_name"], m["version"], m["version_count"]) for m in page["items"]] == [
        ("churn", 2, 2), ("fraud", 1, 1)]
    assert page["total"] == 2
    every = await fetch_json(jp_fetch, "models", params={"total": "1"})
    assert every["total"] == 3 and "version_count" not in every["items"][0]
    assert "total" not in await fetch_json(jp_fetch, "models")
    by_update = await fetch_json(jp_fetch, "models", params={"sort": "time_updated", "latest": "true"})
    assert by_update["items"][0]["id"] == fraud["id"]
    bad = await fetch_json(jp_fetch, "models", params={"latest": "sometimes"}, expect=400)
    assert "latest_only must be true or false" in bad["message"]


async def test_paging_with_tokens(jp_fetch):
    ids = [(await upload(jp_fetch, {"display_name": f"m{i}"}, artifact_files(i)))["id"] for i in range(5)]
    seen, token = [], None
    while True:
        page = await fetch_json(jp_fetch, "models", params={"limit": 2, **({"page_token": token} if token else {})})
        seen += [m["id"] for m in page["items"]]
        token = page["next_page_token"]
        if not token:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == 5


async def test_patch_with_etag_and_refusals(jp_fetch):
    entry = await upload(jp_fetch, {"display_name": "etag"})
    changed = await fetch_json(
        jp_fetch, "models", entry["id"], method="PATCH",
        body=json.dumps({"description": "better"}), headers={"If-Match": f'"{entry["etag"]}"'},
    )
    assert changed["description"] == "better" and changed["etag"] != entry["etag"]

    stale = await fetch_json(
        jp_fetch, "models", entry["id"], method="PATCH", expect=412,
        body=json.dumps({"description": "lost update"}), headers={"If-Match": f'"{entry["etag"]}"'},
    )
    assert stale["error"] == "conflict"
    immutable = await fetch_json(
        jp_fetch, "models", entry["id"], method="PATCH", expect=409, body=json.dumps({"manifest": []})
    )
    assert immutable["error"] == "immutable_artifact" and "new version" in immutable["message"]
    unknown = await fetch_json(
        jp_fetch, "models", entry["id"], method="PATCH", expect=400, body=json.dumps({"colour": "red"})
    )
    assert "colour" in unknown["message"]
    malformed = await fetch_json(jp_fetch, "models", entry["id"], method="PATCH", expect=400, body="{not json")
    assert malformed["error"] == "invalid_input"
    bad_tag = await fetch_json(jp_fetch, "models", params={"tag": "no colon here!"}, expect=400)
    assert bad_tag["error"] == "invalid_input"
    final = await fetch_json(jp_fetch, "models", entry["id"])
    assert final["description"] == "better"
    anything = await fetch_json(  # If-Match: * matches whatever version there is (RFC 9110)
        jp_fetch, "models", entry["id"], method="PATCH",
        body=json.dumps({"description": "any version"}), headers={"If-Match": "*"},
    )
    assert anything["description"] == "any version"
    listed = await fetch_json(  # a list of etags matches when it holds the current one
        jp_fetch, "models", entry["id"], method="PATCH", body=json.dumps({"description": "listed"}),
        headers={"If-Match": f'"zzz", W/"{anything["etag"]}"'},
    )
    assert listed["description"] == "listed"
    not_listed = await fetch_json(
        jp_fetch, "models", entry["id"], method="PATCH", expect=412, body=json.dumps({"description": "no"}),
        headers={"If-Match": f'"zzz", "{anything["etag"]}"'},
    )
    assert not_listed["error"] == "conflict"


async def test_deactivate_activate_delete(jp_fetch):
    entry = await upload(jp_fetch, {"display_name": "lifecycle"})
    off = await fetch_json(jp_fetch, "models", entry["id"], "deactivate", method="POST", body="")
    assert off["lifecycle_state"] == "INACTIVE"
    assert (await fetch_json(jp_fetch, "models"))["items"] == []
    everything = await fetch_json(jp_fetch, "models", params={"state": "ALL"})
    assert [m["id"] for m in everything["items"]] == [entry["id"]]
    on = await fetch_json(jp_fetch, "models", entry["id"], "activate", method="POST", body="")
    assert on["lifecycle_state"] == "ACTIVE"
    response = await jp_fetch(*API, "models", entry["id"], method="DELETE")
    assert response.code == 204
    gone = await fetch_json(jp_fetch, "models", entry["id"], expect=404)
    assert gone["error"] == "not_found"


async def test_zip_and_single_file_download(jp_fetch):
    files = artifact_files(7)
    entry = await upload(jp_fetch, {"display_name": "Zip me / please"}, files)
    response = await jp_fetch(*API, "models", entry["id"], "artifact")
    assert response.headers["Content-Type"] == "application/zip"
    assert 'filename="Zip-me-please-v1.zip"' in response.headers["Content-Disposition"]
    assert response.headers["ETag"] == f'"{entry["artifact_digest"]}"'
    with zipfile.ZipFile(io.BytesIO(response.body)) as archive:
        assert {name: archive.read(name) for name in archive.namelist()} == files
    score = await jp_fetch(*API, "models", entry["id"], "artifact", "files", "score.py")
    assert score.body == files["score.py"]
    assert score.headers["Content-Type"].startswith("text/plain")
    missing = await fetch_json(jp_fetch, "models", entry["id"], "artifact", "files", "nope.py", expect=404)
    assert "score.py" in missing["details"]["files"]


async def test_damaged_blob_is_never_served(jp_fetch, catalog_home):
    files = artifact_files(9)
    entry = await upload(jp_fetch, {"display_name": "tamper"}, files)
    sha = next(f["sha256"] for f in entry["manifest"] if f["path"] == "weights.json")
    blob = next(p for p in (catalog_home / "blobs").rglob("*") if p.is_file() and sha in p.name)
    blob.chmod(0o644)
    data = bytearray(blob.read_bytes())
    data[2] ^= 0xFF
    blob.write_bytes(bytes(data))
    for parts in (("artifact", "files", "weights.json"), ("artifact",)):
        with pytest.raises(Exception) as excinfo:
            await jp_fetch(*API, "models", entry["id"], *parts)
        # Either an error status or a cut connection: never a 200 with the changed bytes.
        assert getattr(excinfo.value, "code", 599) != 200
    # The undamaged file still downloads.
    score = await jp_fetch(*API, "models", entry["id"], "artifact", "files", "score.py")
    assert score.body == files["score.py"]


async def test_download_into_the_file_tree_and_path_escapes(jp_fetch, jp_root_dir, tmp_path):
    entry = await upload(jp_fetch, {"display_name": "to-folder"})
    answer = await fetch_json(
        jp_fetch, "models", entry["id"], "download", method="POST", body=json.dumps({"path": "models/churn"})
    )
    assert answer["path"] == "models/churn"
    assert (jp_root_dir / "models" / "churn" / "score.py").read_bytes() == artifact_files()["score.py"]

    again = await fetch_json(
        jp_fetch, "models", entry["id"], "download", method="POST", expect=409,
        body=json.dumps({"path": "models/churn"}),
    )
    assert again["error"] == "target_not_empty"
    outside = tmp_path / "outside"
    outside.mkdir()
    (jp_root_dir / "link-out").symlink_to(outside)
    for path in ("../escape", "/tmp/abs", "link-out/x", "models/../../escape"):
        refused = await fetch_json(
            jp_fetch, "models", entry["id"], "download", method="POST", expect=403, body=json.dumps({"path": path})
        )
        assert refused["error"] == "forbidden_path"
    assert list(outside.iterdir()) == []


async def test_bad_uploads_store_nothing(jp_fetch, catalog_home):
    await upload(jp_fetch, {"display_name": "baseline"})
    before = stored_blob_count(catalog_home)
    cases = [
        ({"display_name": "slip"}, {"../evil.py": b"x", "score.py": b"def predict(d): pass"}, 422),
        ({"display_name": "abs"}, {"/etc/evil": b"x", "score.py": b"x"}, 422),
        ({"display_name": "noscore"}, {"model.pkl": b"x"}, 422),
        ({"display_name": ""}, None, 400),
        ({"display_name": "x", "colour": "red"}, None, 400),
        ("{broken json", None, 400),
    ]
    for metadata, files, status in cases:
        error = await upload(jp_fetch, metadata, files, expect=status)
        # The message names the zip sent, never where this server spooled it.
        assert "model-catalog-upload-" not in json.dumps(error), error
    no_artifact_body, content_type = multipart({"display_name": "x"}, None)
    await fetch_json(jp_fetch, "models", method="POST", body=no_artifact_body,
                     headers={"Content-Type": content_type}, expect=400)
    truncated, content_type = multipart({"display_name": "x"}, zip_bytes(artifact_files()))
    await fetch_json(jp_fetch, "models", method="POST", body=truncated[:-40],
                     headers={"Content-Type": content_type}, expect=400)
    await fetch_json(jp_fetch, "models", method="POST", body=b"plain", headers={"Content-Type": "text/plain"}, expect=400)
    listing = await fetch_json(jp_fetch, "models", params={"state": "ALL"})
    assert [m["display_name"] for m in listing["items"]] == ["baseline"]
    assert stored_blob_count(catalog_home) == before


async def test_raw_zip_upload(jp_fetch):
    entry = await fetch_json(
        jp_fetch, "models", method="POST", body=zip_bytes(artifact_files(3)),
        params={"metadata": json.dumps({"display_name": "raw"})},
        headers={"Content-Type": "application/zip"}, expect=201,
    )
    assert entry["display_name"] == "raw"


async def test_an_empty_file_keeps_its_content_type(jp_fetch):
    files = {**artifact_files(), "empty.bin": b"", "notes.txt": b""}
    entry = await upload(jp_fetch, {"display_name": "empties"}, files)
    for name, content_type in [("empty.bin", "application/octet-stream"), ("notes.txt", "text/plain"),
                               ("requirements.txt", "text/plain")]:
        response = await jp_fetch(*API, "models", entry["id"], "artifact", "files", name)
        assert response.body == b""
        assert response.headers["Content-Type"].startswith(content_type), (name, response.headers["Content-Type"])
        assert response.headers["Content-Length"] == "0"


async def test_patching_the_lifecycle_state_points_to_activate_and_deactivate(jp_fetch):
    entry = await upload(jp_fetch, {"display_name": "state"})
    refused = await fetch_json(jp_fetch, "models", entry["id"], method="PATCH", expect=400,
                               body=json.dumps({"lifecycle_state": "INACTIVE"}))
    assert refused["error"] == "invalid_input"
    assert "Unknown field" not in refused["message"]
    assert f"models/{entry['id']}/deactivate" in refused["message"] and "activate" in refused["message"]
    assert (await fetch_json(jp_fetch, "models", entry["id"]))["lifecycle_state"] == "ACTIVE"


async def test_a_listing_served_again_follows_every_change_and_each_format(jp_fetch):
    """The server keeps pages (and their JSON) while the catalog is unchanged: asked again,
    the answer is the same; after an edit it is the new one; each `include` has its own."""
    entry = await upload(jp_fetch, {"display_name": "kept", "freeform_tags": {"team": "a"}})
    params = {"tag": "team:a", "latest": "true"}
    first = await fetch_json(jp_fetch, "models", params=params)
    assert await fetch_json(jp_fetch, "models", params=params) == first
    assert "manifest" not in first["items"][0] and first["items"][0]["version_count"] == 1
    whole = await fetch_json(jp_fetch, "models", params={**params, "include": "manifest"})
    assert whole["items"][0]["manifest"] and whole["items"][0]["version_count"] == 1
    every_version = await fetch_json(jp_fetch, "models", params={"tag": "team:a"})
    assert "version_count" not in every_version["items"][0]

    await fetch_json(jp_fetch, "models", entry["id"], method="PATCH",
                     body=json.dumps({"display_name": "renamed"}))
    after = await fetch_json(jp_fetch, "models", params=params)
    assert [m["display_name"] for m in after["items"]] == ["renamed"]
    second = await upload(jp_fetch, {"display_name": "renamed", "as_new_version_of": entry["id"],
                                     "freeform_tags": {"team": "a"}})
    latest = await fetch_json(jp_fetch, "models", params=params)
    assert [(m["id"], m["version_count"]) for m in latest["items"]] == [(second["id"], 2)]
