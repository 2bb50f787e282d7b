"""A fuzz pass of every route (issue 19): random unicode (lone surrogates, NUL, RTL marks,
emoji), numbers at their limits (huge ints, -0, 1e308, 1e999, NaN spelled in JSON) and
malformed zips, sent to a real Jupyter Server. Whatever arrives: never a 5xx, every answer
strict JSON, and nothing stored -- the catalog lists the same models and the blob folder
holds the same files afterwards. Seeded and bounded (a few hundred requests, seconds)."""
import io
import json
import random
import time
import zipfile

import pytest

from tests.server.helpers import artifact_files, multipart, zip_bytes

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

SEED = 19
BUDGET_SECONDS = 25

TEXTS = ["\ud800", "a\udfffb", "\x00", "nul\x00inside", "\u202eevil\u202c", "\u200f\u05e9\u05dc\u05d5\u05dd",
         "\U0001F600\U0001F4A9", "\ufeff", "\uffff", "%00", "../../etc/passwd", ".ipython", "x" * 70000, "",
         " ", "\n\t", "'; DROP TABLE models; --", "\\", "\u0301"]
# Raw JSON fragments: what Python's json accepts but JSON does not, and numbers at the edges.
NUMBERS = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1e308", "-0", "-0.0", "0",
           "9223372036854775808", "-9223372036854775809", "1" * 5000, "1" * 300, "5e-324", "true", "null"]


# What must always be refused: one of these makes a whole request a 4xx that stores nothing.
BAD_TEXTS = ["\ud800", "a\udfffb", "\x00", "nul\x00inside"]
BAD_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"]


def text_json(rng) -> str:
    return json.dumps(rng.choice(TEXTS))


def value_json(rng) -> str:
    return rng.choice(NUMBERS) if rng.random() < 0.5 else text_json(rng)


def metadata_json(rng) -> str:
    """A JSON object (as text, so NaN can be spelled) of save/edit fields with hostile values."""
    fields = {
        "display_name": lambda: text_json(rng) if rng.random() < 0.7 else value_json(rng),
        "description": lambda: value_json(rng),
        "freeform_tags": lambda: "{%s: %s}" % (text_json(rng), value_json(rng)),
        "custom_metadata": lambda: '[{"key": %s, "value": %s}]' % (text_json(rng), value_json(rng)),
        "defined_metadata": lambda: '{"Hyperparameters": {"a": %s}, %s: 1}' % (value_json(rng), text_json(rng)),
        "provenance": lambda: '{"git_branch": %s}' % value_json(rng),
        "project_id": lambda: value_json(rng),
        "compartment_id": lambda: value_json(rng),
        "as_new_version_of": lambda: text_json(rng),
    }
    chosen = rng.sample(sorted(fields), rng.randint(1, 4))
    parts = [f'"{name}": {fields[name]()}' for name in chosen]
    # One field sure to be refused, so that no request of the pass may store anything.
    bad = json.dumps(rng.choice(BAD_TEXTS)) if rng.random() < 0.5 else rng.choice(BAD_NUMBERS)
    parts.append(rng.choice(['"description": %s', '"custom_metadata": [{"key": "k", "value": %s}]',
                             '"freeform_tags": {"k": %s}', '"defined_metadata": {"x": [%s]}']) % bad)
    rng.shuffle(parts)
    return "{" + ", ".join(parts) + "}"


def bad_zips(rng) -> list[bytes]:
    good = zip_bytes(artifact_files())
    cut = bytearray(good)
    middle = len(cut) // 2
    del cut[middle:middle + 40]  # the middle cut out
    header = bytearray(good)
    header[0:4] = b"PK\x05\x05"  # a broken local header
    crc = bytearray(good)
    crc[len(crc) // 3] ^= 0xFF  # a flipped byte inside the deflated data / a CRC mismatch
    names = io.BytesIO()
    with zipfile.ZipFile(names, "w") as archive:
        archive.writestr("score.py", "x")
        archive.writestr("../escape.py", "x")
        archive.writestr("\u202eyp.erocs", "x")
    return [bytes(cut), bytes(header), bytes(crc), names.getvalue(), good[:22], b"", b"PK\x03\x04" + bytes(100),
            bytes(rng.randrange(256) for _ in range(300))]


async def _send_all(jp_fetch, requests) -> int:
    """Send each request; assert no 5xx and strict-JSON errors. Returns how many were sent."""
    deadline = time.monotonic() + BUDGET_SECONDS
    sent = 0
    for parts, method, body, headers, params in requests:
        if time.monotonic() > deadline:
            break
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogatepass")  # lone surrogates sent as their (invalid) UTF-8
        try:
            response = await jp_fetch("model-catalog", "api", *"/".join(parts).split("/"), method=method, body=body,
                                      headers=headers, params=params, raise_error=False,
                                      allow_nonstandard_methods=True)
        except UnicodeEncodeError:
            continue  # a surrogate the client cannot put in a URL
        sent += 1
        what = (method, parts, params, body[:300] if body else None, response.body[:500])
        assert response.code < 500, what
        if response.code >= 400:
            error = strict_loads(response.body)
            assert set(error) >= {"error", "message"}, what
    return sent


async def _snapshot(jp_fetch, catalog_home, model_id):
    return await listed_ids(jp_fetch), blob_files(catalog_home), (await call(jp_fetch, "models", model_id))


async def _check_nothing_stored(jp_fetch, catalog_home, jp_root_dir, model_id, before):
    after = await _snapshot(jp_fetch, catalog_home, model_id)
    assert after[0] == before[0] and after[1] == before[1]
    assert after[2]["artifact_digest"] == before[2]["artifact_digest"]
    assert not [p for p in jp_root_dir.rglob("*") if p.is_file()]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
async def test_fuzz_every_route_no_5xx_nothing_stored(jp_fetch, catalog_home, jp_root_dir):
    rng = random.Random(SEED)
    mid = (await upload(jp_fetch, {"display_name": "fuzz-target"}))["id"]
    before = await _snapshot(jp_fetch, catalog_home, mid)
    hostile_ids = [json.loads(text_json(rng)) or "x" for _ in range(3)] + ["mdl-\x00", "\u202emdl", "%2e%2e"]
    requests = []  # (parts, method, body, headers, params)
    for _ in range(40):
        requests.append((("models", mid), "PATCH", metadata_json(rng), None, None))
        body, content_type = multipart(metadata_json(rng), zip_bytes(artifact_files()))
        requests.append((("models",), "POST", body, {"Content-Type": content_type}, None))
        requests.append((("models",), "GET", None, None, {
            rng.choice(["name", "text", "q", "tag", "created_by", "framework", "state", "sort", "order", "limit",
                        "page_token", "created_after", "created_before", "project_id"]):
                rng.choice(TEXTS[:12] + ["x" * 3000] + NUMBERS[:9] + ["0001-01-01T00:00+05:00",
                                                                     "9999-12-31T23:59:59-05:00"])}))
        requests.append((("models", mid, "download"), "POST", '{"path": %s, "force_overwrite": %s}' % (
            json.dumps(rng.choice(BAD_TEXTS + [".ipython", "../x", ""])), rng.choice(NUMBERS)), None, None))
        requests.append(((rng.choice(["notebooks/save", "files/save"]),), "POST",
                         metadata_json(rng)[:-1] + ', "path": %s, "variable": %s}' % (text_json(rng), text_json(rng)),
                         None, None))
    for bad_id in hostile_ids:
        for suffix, method in (((), "GET"), ((), "DELETE"), (("deactivate",), "POST"), (("versions",), "GET"),
                               (("artifact",), "GET"), (("artifact", "files", "\ud83d\ude00.py"), "GET"),
                               ((), "PATCH")):
            requests.append((("models", bad_id, *suffix), method, "{}" if method in ("POST", "PATCH") else None,
                             None, None))
        requests.append((("jobs", bad_id), "GET", None, None, None))
        requests.append((("models", bad_id, "activate"), "POST", "", None, None))
    for _ in range(10):
        requests.append((("notebooks", "models"), "GET", None, None, {"path": rng.choice(TEXTS[:12])}))
        requests.append((("version",), "GET", None, None, {rng.choice(TEXTS[4:8]): rng.choice(NUMBERS)}))
        requests.append((("models", mid, "versions"), "GET", None, None, None))
        requests.append((("models", mid, "artifact", "files", rng.choice(TEXTS[4:12])), "GET", None, None, None))
    rng.shuffle(requests)
    assert await _send_all(jp_fetch, requests) > 200
    await _check_nothing_stored(jp_fetch, catalog_home, jp_root_dir, mid, before)


async def test_fuzz_uploads_of_malformed_zips_no_5xx_nothing_stored(jp_fetch, catalog_home, jp_root_dir):
    rng = random.Random(SEED)
    mid = (await upload(jp_fetch, {"display_name": "fuzz-target"}))["id"]
    before = await _snapshot(jp_fetch, catalog_home, mid)
    requests = []
    for zip_data in bad_zips(rng):
        body, content_type = multipart('{"display_name": "bad zip"}', zip_data)
        requests.append((("models",), "POST", body, {"Content-Type": content_type}, None))
        requests.append((("models",), "POST", zip_data, {"Content-Type": "application/zip"},
                         {"metadata": '{"display_name": "raw"}'}))
    assert await _send_all(jp_fetch, requests) == len(requests)
    await _check_nothing_stored(jp_fetch, catalog_home, jp_root_dir, mid, before)
