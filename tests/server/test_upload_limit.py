"""An upload over c.ModelCatalogConfig.max_upload_size is refused with 413 and stores nothing."""
import asyncio
import json
import os

import pytest
import tornado.httpclient
import tornado.iostream

from model_catalog_ext.server.handlers.models import DISCARD_ALLOWANCE

from .helpers import artifact_files, multipart, zip_bytes

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


async def test_oversized_chunked_upload_is_refused_in_json(jp_fetch, catalog_home):
    """No Content-Length to refuse up front: the server counts, and still answers 413 in JSON."""
    big = {"score.py": b"x", "weights.bin": os.urandom(200 * 1024)}
    body, content_type = multipart({"display_name": "big"}, zip_bytes(big))

    async def send_in_chunks(write):
        for start in range(0, len(body), 16 * 1024):
            await write(body[start:start + 16 * 1024])

    with pytest.raises(tornado.httpclient.HTTPClientError) as excinfo:
        await jp_fetch(*API, "models", method="POST", body_producer=send_in_chunks,
                       headers={"Content-Type": content_type})
    assert excinfo.value.code == 413
    error = json.loads(excinfo.value.response.body)
    assert error["error"] == "payload_too_large" and "max_upload_size" in error["message"]
    listing = json.loads((await jp_fetch(*API, "models", params={"state": "ALL"})).body)
    assert listing["items"] == []
    assert not [p for p in (catalog_home / "blobs").rglob("*") if p.is_file()]


async def test_a_chunked_upload_within_the_limit_is_saved(jp_fetch):
    body, content_type = multipart({"display_name": "small"}, zip_bytes(artifact_files()))

    async def send_in_chunks(write):
        for start in range(0, len(body), 100):
            await write(body[start:start + 100])

    response = await jp_fetch(*API, "models", method="POST", body_producer=send_in_chunks,
                              headers={"Content-Type": content_type})
    assert response.code == 201


async def test_an_endless_chunked_upload_is_cut(jp_fetch, catalog_home):
    """Past the limit the server listens only so long (64 MiB) for the client to finish, then
    answers and closes the connection; nothing is stored and the server goes on serving."""
    body, content_type = multipart({"display_name": "endless"}, zip_bytes({"score.py": b"x"}))
    megabyte = os.urandom(1024 * 1024)

    async def send_forever(write):
        await write(body[:200])
        for _ in range(200):
            await write(megabyte)

    with pytest.raises((tornado.httpclient.HTTPClientError, tornado.iostream.StreamClosedError)) as excinfo:
        await jp_fetch(*API, "models", method="POST", body_producer=send_forever,
                       headers={"Content-Type": content_type}, request_timeout=60)
    assert getattr(excinfo.value, "code", 413) in (413, 599)
    listing = json.loads((await jp_fetch(*API, "models", params={"state": "ALL"})).body)
    assert listing["items"] == []
    assert not [p for p in (catalog_home / "blobs").rglob("*") if p.is_file()]


async def test_an_early_413_tells_a_keep_alive_client_the_connection_ends(jp_fetch, jp_http_port, jp_base_url,
                                                                         jp_auth_header):
    """A client that keeps connections open (requests.Session, browsers) must learn that the
    server reads no more of this one: the unread body ends it. (jp_fetch asks for
    Connection: close itself, so this test speaks HTTP on a socket; jp_fetch starts the server.)"""
    reader, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
    path = jp_base_url.rstrip("/") + "/model-catalog/api/models"
    auth = "".join(f"{k}: {v}\r\n" for k, v in jp_auth_header.items())
    body = b"x" * (128 * 1024)  # over the 64 KiB limit, announced in Content-Length
    writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/zip\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
    writer.close()
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines if line)}
    assert " 413 " in status
    assert headers.get("connection") == "close"


async def test_one_huge_chunk_is_a_413_in_json_not_a_bare_400(jp_fetch, jp_http_port, jp_base_url, jp_auth_header,
                                                            catalog_home):
    """A chunk whose header alone announces more than the server will ever read (here 1 GiB)
    trips tornado's own body limit before any byte reaches the handler: tornado would answer a
    bare 400 without a body. The documented answer is the 413 JSON, as for any other upload over
    the limit."""
    await jp_fetch(*API, "version")  # starts the server
    reader, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
    path = jp_base_url.rstrip("/") + "/model-catalog/api/models"
    auth = "".join(f"{k}: {v}\r\n" for k, v in jp_auth_header.items())
    writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/zip\r\n"
                 f"Transfer-Encoding: chunked\r\n\r\n{2**30:x}\r\n".encode())
    # The server listens to 64 MiB past the limit, then answers: send just that much (more,
    # unread when the server closes, would reset the connection and lose the answer).
    left = 64 * 1024 + DISCARD_ALLOWANCE + 1
    piece = bytes(1024 * 1024)
    while left:
        writer.write(piece[:left])
        left -= min(left, len(piece))
        await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines if line)}
    body = await asyncio.wait_for(reader.readexactly(int(headers["content-length"])), 30)
    writer.close()
    assert " 413 " in status, status
    error = json.loads(body)
    assert error["error"] == "payload_too_large" and "max_upload_size" in error["message"]
    listing = json.loads((await jp_fetch(*API, "models", params={"state": "ALL"})).body)
    assert listing["items"] == []
