"""A fuzz pass of the resumable upload routes (POST uploads, GET/DELETE uploads/{id},
PUT .../files/{n}/parts/{n}, POST .../complete), sent to a real Jupyter Server: malformed
JSON, hostile values in every field of the session, hostile ids, headers and bodies of
parts.  Whatever arrives: never a 5xx, every error strict JSON, no model saved; and an
upload that received all of it still completes, once, with its own bytes."""
import base64
import hashlib
import json
import random

import pytest

from model_catalog_ext.catalog.upload_sessions import MIN_PART_SIZE

from .conftest_http import (  # noqa: F401  (fixtures)
    backend,
    backend_url,
    call,
    catalog_home,
    jp_server_config,
    listed_ids,
    pg_url,
    postgres_server,
    strict_loads,
)
from .test_http_fuzz import BAD_TEXTS, NUMBERS, TEXTS, _send_all, metadata_json, text_json, value_json

SEED = 23
SCORE = b"def load_model():\n    return 1\n\ndef predict(data, model=None):\n    return {}\n"
MODEL = bytes(range(256)) * (MIN_PART_SIZE // 256) + b"tail"  # two parts


def digest_header(data: bytes) -> str:
    return f"sha-256=:{base64.b64encode(hashlib.sha256(data).digest()).decode()}:"


def good_files() -> list[dict]:
    return [{"path": "score.py", "size": len(SCORE), "sha256": hashlib.sha256(SCORE).hexdigest()},
            {"path": "model.bin", "size": len(MODEL), "sha256": hashlib.sha256(MODEL).hexdigest()}]


def hostile_file(rng) -> str:
    """One manifest item (as JSON text) with one hostile field or shape."""
    item = {k: json.dumps(v) for k, v in rng.choice(good_files()).items()}
    choice = rng.randrange(5)
    if choice == 0:
        item[rng.choice(sorted(item))] = value_json(rng)
    elif choice == 1:
        item["path"] = json.dumps(rng.choice(TEXTS + ["a/../b", "/abs", "C:/x", ".git/x", "a//b", "a\\b"]))
    elif choice == 2:
        item["size"] = rng.choice(NUMBERS + ["-1", "1.5", '"7"', "[]"])
    elif choice == 3:
        item["sha256"] = rng.choice(['"%s"' % ("A" * 64), '"%s"' % ("0" * 63), "null", text_json(rng)])
    else:
        item[rng.choice(["extra", "\ud800"])] = "1"
    return "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in item.items()) + "}"


HOSTILE_VALUES = NUMBERS + [json.dumps(t) for t in TEXTS] + ["[]", "{}", "[1]", '{"a": 1}', "false"]


def every_hostile_session_field() -> list[str]:
    """POST uploads bodies: each field of the session and of a manifest item given each
    hostile value in turn (everything else right)."""
    files = json.dumps(good_files())
    bodies = []
    for value in HOSTILE_VALUES:
        for name in ("path", "size", "sha256"):
            item = {k: json.dumps(v) for k, v in good_files()[1].items()} | {name: value}
            hostile = "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in item.items()) + "}"
            bodies.append('{"metadata": {"display_name": "f"}, "files": [%s, %s]}' % (
                json.dumps(good_files()[0]), hostile))
        bodies.append('{"metadata": {"display_name": "f"}, "files": %s, "part_size": %s}' % (files, value))
        bodies.append('{"metadata": {"display_name": "f"}, "files": %s, "resume_key": %s}' % (files, value))
        bodies.append('{"metadata": {"display_name": %s}, "files": %s}' % (value, files))
        bodies.append('{"metadata": {"display_name": "f", "as_new_version_of": %s}, "files": %s}' % (value, files))
        bodies.append('{"metadata": %s, "files": %s}' % (value, files))
        bodies.append('{"metadata": {"display_name": "f"}, "files": %s}' % value)
        bodies.append('{"metadata": {"display_name": "f"}, "files": [%s]}' % value)
    return bodies


def session_body(rng) -> str:
    """A POST uploads body (as JSON text, so NaN can be spelled) that must be refused."""
    good_meta, files = '{"display_name": "fuzzed"}', json.dumps(good_files())
    shape = rng.randrange(7)
    if shape == 0:
        return rng.choice(["", "{", "[]", "null", "1e999", '"x"', "\ud800", '{"metadata": {}}', '{"files": []}'])
    if shape == 1:  # hostile metadata (each carries one field sure to be refused)
        return '{"metadata": %s, "files": %s}' % (metadata_json(rng), files)
    if shape == 2:
        return '{"metadata": %s, "files": %s}' % (rng.choice(["[]", "null", "1", text_json(rng), "{}"]), files)
    if shape == 3:
        return '{"metadata": %s, "files": [%s, %s]}' % (good_meta, hostile_file(rng), hostile_file(rng))
    if shape == 4:
        return '{"metadata": %s, "files": %s}' % (good_meta, rng.choice(["[]", "{}", "null", '"x"', "[1]", "[[]]"]))
    if shape == 5:
        return '{"metadata": %s, "files": %s, "part_size": %s}' % (
            good_meta, files, rng.choice(NUMBERS + ['"64"', "[]", "4", "5242879", "1073741825"]))
    return '{"metadata": %s, "files": %s, "resume_key": %s, %s: 1}' % (
        good_meta, files, rng.choice([text_json(rng), value_json(rng), "[]"]), text_json(rng))


def part_request(rng, upload: str) -> tuple:
    """A PUT of a part that must be refused: a hostile id, numbers, headers or body."""
    body = rng.choice([b"", b"x", SCORE, MODEL[:1000]])
    headers = {"Content-Digest": digest_header(body)}
    file, number = rng.choice([("0", "0"), ("1", "0"), ("0", "1")])
    choice = rng.randrange(5)
    if choice == 0:
        upload = rng.choice(["0" * 32, "x", "%00", "\u202eabc", "A" * 32, "0" * 33, text_json(rng).strip('"') or "y"])
    elif choice == 1:
        file, number = rng.choice([("2", "0"), ("0", "2"), ("999999999", "0"), ("1", "1"), ("0", "999999999")])
    elif choice == 2:
        headers["Content-Digest"] = rng.choice(
            ["", "sha-256=:!!:", "sha-256=:%s:" % base64.b64encode(b"x" * 31).decode(), "md5=:AAAA:",
             "sha-256=%s" % hashlib.sha256(body).hexdigest(), "\u00e9", digest_header(body + b"!"),
             "sha-256=:" + "A" * 5000 + ":"])
    elif choice == 3:
        headers["Content-Digest"] = digest_header(b"")
        body = b""
    elif rng.random() < 0.5:  # the right place, a byte short
        body, file, number = MODEL[:MIN_PART_SIZE - 1], "0", "0"
        headers["Content-Digest"] = digest_header(body)
    else:  # the right place and length, other bytes than the digest announces
        body, file, number = b"y" * len(SCORE), "1", "0"
        headers["Content-Digest"] = digest_header(SCORE)
    return (("uploads", upload, "files", file, "parts", number), "PUT", body, headers, None)


async def put(jp_fetch, upload, file, number, data):
    return await call(jp_fetch, "uploads", upload, "files", str(file), "parts", str(number), method="PUT", body=data,
                      headers={"Content-Digest": digest_header(data)}, expect=201)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
async def test_fuzz_upload_routes_no_5xx_and_the_upload_still_completes(jp_fetch, catalog_home):
    rng = random.Random(SEED)
    before = await listed_ids(jp_fetch)
    status = await call(jp_fetch, "uploads", method="POST", expect=201, body=json.dumps(
        {"metadata": {"display_name": "fuzzed"}, "files": good_files(), "part_size": MIN_PART_SIZE}))
    upload = status["id"]
    await put(jp_fetch, upload, 0, 0, MODEL[:MIN_PART_SIZE])
    requests = []
    for _ in range(60):
        requests.append((("uploads",), "POST", session_body(rng), None, None))
        requests.append(part_request(rng, upload))
    hostile_ids = ["0" * 32, "x", "%00", "\u202eabc", "..", "A" * 32] + [json.loads(text_json(rng)) or "z"
                                                                          for _ in range(3)]
    for body in every_hostile_session_field():
        requests.append((("uploads",), "POST", body, None, None))
    for bad_id in hostile_ids:
        requests.append((("uploads", bad_id), "GET", None, None, None))
        requests.append((("uploads", bad_id), "DELETE", None, None, None))
        requests.append((("uploads", bad_id, "complete"), "POST", "{}", None, None))
    for _ in range(5):  # parts are missing: refused, and the session stays
        requests.append((("uploads", upload, "complete"), "POST", rng.choice(["", "{", text_json(rng)]), None,
                         None))
        requests.append((("uploads", upload), rng.choice(["PATCH", "POST"]), "{}", None, None))
        requests.append((("uploads",), "GET", None, None, {rng.choice(TEXTS[:6]): rng.choice(BAD_TEXTS)}))
    rng.shuffle(requests)
    assert await _send_all(jp_fetch, requests) > 100
    assert await listed_ids(jp_fetch) == before
    # The session kept what it had and takes the rest: one model, with the bytes sent right.
    status = await call(jp_fetch, "uploads", upload)
    assert [[f, n] for f, n, _ in status["received"]] == [[0, 0]]
    await put(jp_fetch, upload, 0, 1, MODEL[MIN_PART_SIZE:])
    await put(jp_fetch, upload, 1, 0, SCORE)
    entry = await call(jp_fetch, "uploads", upload, "complete", method="POST", body="", expect=201)
    assert await listed_ids(jp_fetch) == sorted(before + [entry["id"]])
    response = await jp_fetch("model-catalog", "api", "models", entry["id"], "artifact", "files", "model.bin")
    assert response.body == MODEL
