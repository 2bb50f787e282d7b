"""Issue 19, at the REST door: input no backend can store, JSON no browser can read, forged
page tokens, dates out of range and oversized metadata are each a 4xx with a JSON message,
never a 500, and nothing is stored (items 3, 5, 6, 7, 11, 15)."""
import base64
import json

import pytest

from .conftest_http import (  # noqa: F401  (fixtures)
    backend,
    backend_url,
    blob_files,
    call,
    catalog_home,
    jp_server_config,
    listed_ids,
    pg_url,
    postgres_server,
    strict_loads,
    upload,
)

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)

# Bodies as raw text: JSON that Python's parser accepts but JSON does not, and escapes of
# lone surrogates (valid JSON, not Unicode).
NON_FINITE = ['{"custom_metadata": [{"key": "auc", "value": NaN}]}',
              '{"custom_metadata": [{"key": "auc", "value": Infinity}]}',
              '{"custom_metadata": [{"key": "auc", "value": -Infinity}]}',
              '{"defined_metadata": {"Hyperparameters": {"alpha": 1e999}}}']
SURROGATES = ['{"display_name": "x\\ud800"}', '{"description": "\\udfff"}',
              '{"freeform_tags": {"k": "v\\ud800"}}', '{"freeform_tags": {"\\ud800": "v"}}',
              '{"custom_metadata": [{"key": "\\ud800", "value": 1}]}',
              '{"project_id": "p\\ud800"}']
NUL = ['{"description": "a\\u0000b"}', '{"custom_metadata": [{"key": "k", "value": "a\\u0000"}]}',
       '{"defined_metadata": {"Algorithm": "\\u0000"}}', '{"provenance": {"git_branch": "m\\u0000"}}']


async def _state(jp_fetch, catalog_home, model_id):
    entry = await call(jp_fetch, "models", model_id)
    return entry, await listed_ids(jp_fetch), blob_files(catalog_home)


@BOTH
@pytest.mark.parametrize("body", NON_FINITE + SURROGATES + NUL)
async def test_an_edit_no_backend_can_store_is_a_400_and_changes_nothing(jp_fetch, catalog_home, body):
    entry = await upload(jp_fetch, {"display_name": "target"})
    before = await _state(jp_fetch, catalog_home, entry["id"])
    error = await call(jp_fetch, "models", entry["id"], method="PATCH", body=body, expect=400)
    assert error["error"] == "invalid_input"
    assert await _state(jp_fetch, catalog_home, entry["id"]) == before


@BOTH
@pytest.mark.parametrize("body", NON_FINITE + SURROGATES + NUL)
async def test_an_upload_no_backend_can_store_is_a_400_and_stores_nothing(jp_fetch, catalog_home, body):
    raw = body if '"display_name"' in body else body[:-1] + ', "display_name": "x"}'
    error = await upload(jp_fetch, raw, expect=400)
    assert error["error"] == "invalid_input"
    assert await listed_ids(jp_fetch) == [] and blob_files(catalog_home) == []


async def test_as_new_version_of_a_surrogate_id_is_a_400(jp_fetch, catalog_home):
    error = await upload(jp_fetch, '{"display_name": "v2", "as_new_version_of": "mdl-\\ud800"}', expect=400)
    assert "surrogate" in error["message"]
    assert await listed_ids(jp_fetch) == [] and blob_files(catalog_home) == []


async def test_a_download_path_with_a_surrogate_is_a_400(jp_fetch, jp_root_dir):
    entry = await upload(jp_fetch, {"display_name": "target"})
    error = await call(jp_fetch, "models", entry["id"], "download", method="POST",
                       body='{"path": "out\\ud800"}', expect=400)
    assert "surrogate" in error["message"]
    assert list(jp_root_dir.iterdir()) == []


@BOTH
async def test_a_model_id_with_nul_is_a_400_not_a_500(jp_fetch):
    error = await call(jp_fetch, "models", "mdl-\x00", expect=400)  # sent as mdl-%00
    assert "NUL" in error["message"]


async def test_listings_stay_strict_json_with_legacy_nan_in_the_database(jp_fetch, backend_url):
    """A catalog written before NaN was refused: its listing must still be JSON a browser reads."""
    import sqlalchemy as sa

    entry = await upload(jp_fetch, {"display_name": "old", "custom_metadata": [{"key": "auc", "value": 1}]})
    engine = sa.create_engine(backend_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE models SET custom_metadata = :v WHERE id = :id"),
                     {"v": '[{"key":"auc","value":NaN,"category":"Other","description":""}]', "id": entry["id"]})
    engine.dispose()
    page = await call(jp_fetch, "models")  # call() parses strictly
    assert page["items"][0]["custom_metadata"][0]["value"] == "NaN"


async def test_an_oversized_patch_is_refused_and_changes_nothing(jp_fetch, catalog_home):
    entry = await upload(jp_fetch, {"display_name": "target"})
    before = await _state(jp_fetch, catalog_home, entry["id"])
    # Over OCI's 32,000 characters of custom metadata, far under the body cap.
    body = json.dumps({"custom_metadata": [{"key": f"k{i}", "value": "v" * 1000} for i in range(40)]})
    error = await call(jp_fetch, "models", entry["id"], method="PATCH", body=body, expect=400)
    assert "32,000" in error["message"]
    # Over the cap a save's metadata has (1 MiB): refused before it is parsed.
    body = json.dumps({"defined_metadata": {"blob": "x" * (2 * 1024 * 1024)}})
    error = await call(jp_fetch, "models", entry["id"], method="PATCH", body=body, expect=413)
    assert error["error"] == "payload_too_large"
    assert await _state(jp_fetch, catalog_home, entry["id"]) == before


async def test_oversized_custom_metadata_is_refused_at_upload(jp_fetch, catalog_home):
    metadata = {"display_name": "big", "custom_metadata": [{"key": f"k{i}", "value": "v" * 1000} for i in range(40)]}
    error = await upload(jp_fetch, metadata, expect=400)
    assert "32,000" in error["message"]
    assert await listed_ids(jp_fetch) == [] and blob_files(catalog_home) == []


def _forge(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@BOTH
async def test_a_forged_page_token_is_a_400(jp_fetch):
    for i in range(3):
        await upload(jp_fetch, {"display_name": f"m{i}"})
    first = await call(jp_fetch, "models", params={"sort": "name", "limit": "1"})
    token = first["next_page_token"]
    real = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    forged = [
        _forge({**real, "k": ["\ud800", 1]}),  # a lone surrogate where the name goes
        _forge({**real, "k": ["m\u0000", 1]}),
        _forge({**real, "k": ["x" * 5000, 1]}),
        _forge({**real, "k": ["m0", 2 ** 64]}),
        _forge({**real, "k": ["m0", 1], "extra": 1}),
        _forge({**real, "f": "\ud800"}),
        "%%%", "\u00e9" * 10, "A" * 20000,
    ]
    for bad in forged:
        error = await call(jp_fetch, "models", params={"sort": "name", "limit": "1", "page_token": bad}, expect=400)
        assert "page token" in error["message"], bad[:40]
    second = await call(jp_fetch, "models", params={"sort": "name", "limit": "1", "page_token": token})
    assert [m["display_name"] for m in second["items"]] == ["m1"]


@pytest.mark.parametrize("param, value", [("created_after", "0001-01-01T00:00+05:00"),
                                          ("created_before", "9999-12-31T23:59:59-05:00")])
async def test_a_date_outside_the_calendar_in_utc_is_a_400(jp_fetch, param, value):
    error = await call(jp_fetch, "models", params={param: value}, expect=400)
    assert param in error["message"] and "years 1 to 9999" in error["message"]
