"""Issue 19, item 14: an upload that fills the disk it is received on gets its 507, and its
partial spool file is removed even though closing it hits ENOSPC again: the next upload
that fits succeeds."""
from __future__ import annotations

import asyncio
import json
import os
import tempfile
from urllib.parse import quote

import pytest

from tests.server.helpers import artifact_files, multipart, zip_bytes
from tests.server.test_models_api import API


@pytest.fixture
def jp_server_config(jp_server_config, tiny_disk, monkeypatch):
    # Both places an upload could be received on the full disk: the store, and the system's
    # temporary folder (where uploads were spooled before).
    system_tmp = tiny_disk / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    jp_server_config["ModelCatalogConfig"]["artifact_root"] = str(tiny_disk / "blobs")
    return jp_server_config


def _files(folder) -> list:
    return sorted(str(p) for p in folder.rglob("*") if p.is_file())


async def _post_keeping_the_connection(port: int, path: str, headers: dict, body: bytes):
    """POST ``body`` in 1000-byte chunks (chunked encoding) on a connection kept open
    afterwards, as a browser's is: the server's clean-up cannot lean on the connection
    closing.  Chunks this much smaller than a file's write buffer leave bytes buffered when
    the disk fills, so closing the spool file fails again.  Returns (status, JSON body, the
    open connection's writer)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = "".join(f"{k}: {v}\r\n" for k, v in {**headers, "Host": f"127.0.0.1:{port}",
                                                "Transfer-Encoding": "chunked"}.items())
    writer.write(f"POST {path} HTTP/1.1\r\n{head}\r\n".encode("latin-1"))
    for start in range(0, len(body), 1000):
        piece = body[start:start + 1000]
        writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        await writer.drain()
        await asyncio.sleep(0)  # the server (same event loop) reads each piece as it comes
    writer.write(b"0\r\n\r\n")
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return status, json.loads(await reader.readexactly(length)), writer


@pytest.mark.parametrize("kind", ["multipart", "zip body"])
async def test_a_full_spool_disk_is_507_and_leaks_nothing(jp_fetch, jp_http_port, jp_base_url, jp_auth_header,
                                                          tiny_disk, kind):
    files = {**artifact_files(), "weights.bin": os.urandom(9 * 2**20)}
    if kind == "multipart":
        big, content_type = multipart({"display_name": "big"}, zip_bytes(files))
    else:
        big, content_type = zip_bytes(files), "application/zip"
    path = f"{jp_base_url}model-catalog/api/models?metadata=" + quote(json.dumps({"display_name": "big"}))
    connections = []
    try:
        for _ in range(2):  # the second would find the disk still full if the first leaked
            status, error, connection = await _post_keeping_the_connection(
                jp_http_port, path, {**jp_auth_header, "Content-Type": content_type}, big)
            connections.append(connection)
            assert status == 507 and error["error"] == "storage_full", (status, error)
            assert _files(tiny_disk) == []
    finally:
        for connection in connections:
            connection.close()

    small, content_type = multipart({"display_name": "small"}, zip_bytes(artifact_files()))
    response = await jp_fetch(*API, "models", method="POST", body=small, headers={"Content-Type": content_type})
    assert response.code == 201
