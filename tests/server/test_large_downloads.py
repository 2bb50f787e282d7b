"""Downloads of files larger than one checked chunk: the same bytes, never a damaged one,
and nothing left open when the client walks away.  A real Jupyter Server, a raw socket client."""
from __future__ import annotations

import asyncio
import hashlib
import io
import os
import threading
import zipfile

import pytest

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.catalog.hashing import CHUNK_SIZE

from .helpers import artifact_files, write_artifact

API = ("model-catalog", "api")


@pytest.fixture
def big_model(catalog_home, tmp_path):
    """A model whose 'model.bin' spans three checked chunks."""
    directory = write_artifact(tmp_path / "big")
    data = os.urandom(2 * CHUNK_SIZE + 12345)
    (directory / "model.bin").write_bytes(data)
    with open_catalog(url=f"sqlite:///{catalog_home / 'catalog.db'}",
                      artifact_root=str(catalog_home / "blobs")) as service:
        entry = service.save(directory, display_name="big")
    sha = hashlib.sha256(data).hexdigest()
    blob = next(p for p in (catalog_home / "blobs").rglob("*") if p.is_file() and sha in p.name)
    return entry.id, data, blob


async def raw_get(port: int, path: str, headers: dict, read_at_most: int | None = None):
    """GET over a plain socket: (status line, headers, the body bytes received before the
    server closed the connection or ``read_at_most`` arrived)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{lines}\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    status, *header_lines = head.decode("latin-1").split("\r\n")
    response_headers = dict(line.split(": ", 1) for line in header_lines if line)
    body = bytearray()
    while read_at_most is None or len(body) < read_at_most:
        try:
            part = await asyncio.wait_for(reader.read(1 << 20), 30)
        except ConnectionResetError:
            break
        if not part:
            break
        body += part
    writer.close()
    return status, response_headers, bytes(body)


def url_path(jp_base_url: str, *parts: str) -> str:
    return jp_base_url.rstrip("/") + "/" + "/".join((*API, *parts))


async def test_large_files_arrive_whole(jp_fetch, big_model):
    model_id, data, _ = big_model
    response = await jp_fetch(*API, "models", model_id, "artifact", "files", "model.bin")
    assert response.body == data

    response = await jp_fetch(*API, "models", model_id, "artifact")
    assert int(response.headers["Content-Length"]) == len(response.body)
    with zipfile.ZipFile(io.BytesIO(response.body)) as archive:
        assert archive.testzip() is None  # every CRC checks out
        assert archive.read("model.bin") == data
        assert {name: archive.read(name) for name in artifact_files()} == artifact_files()


async def test_a_damaged_chunk_is_never_sent(jp_fetch, big_model, jp_http_port, jp_base_url, jp_auth_header):
    model_id, data, blob = big_model
    blob.chmod(0o644)
    with open(blob, "r+b") as f:  # one byte of the second chunk
        f.seek(CHUNK_SIZE + 7)
        f.write(bytes([data[CHUNK_SIZE + 7] ^ 0xFF]))
    status, headers, body = await raw_get(
        jp_http_port, url_path(jp_base_url, "models", model_id, "artifact", "files", "model.bin"), jp_auth_header)
    assert status.endswith("200 OK") and int(headers["Content-Length"]) == len(data)
    # The first chunk went out, then the connection was cut: nothing of the second chunk.
    assert body == data[:CHUNK_SIZE]

    status, headers, body = await raw_get(
        jp_http_port, url_path(jp_base_url, "models", model_id, "artifact"), jp_auth_header)
    assert len(body) < int(headers["Content-Length"])
    assert data[:CHUNK_SIZE] in body
    assert data[CHUNK_SIZE:CHUNK_SIZE + 64] not in body


def descriptors() -> list[str]:
    """What this process has open (the server runs in it)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            found.append(os.readlink(f"/proc/self/fd/{fd}"))
        except FileNotFoundError:  # the one listdir used
            pass
    return found


def reader_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("catalog-")]


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors in /proc")
async def test_a_client_leaving_mid_download_leaves_nothing_open(jp_fetch, big_model, jp_http_port, jp_base_url,
                                                               jp_auth_header):
    model_id, data, blob = big_model
    await jp_fetch(*API, "models")  # the catalog is open before we look
    threads = reader_threads()
    for parts in (("artifact", "files", "model.bin"), ("artifact",)) * 2:
        _, _, body = await raw_get(jp_http_port, url_path(jp_base_url, "models", model_id, *parts),
                                   jp_auth_header, read_at_most=1)
        assert body
    for _ in range(100):  # the server notices the hang-ups and lets go of the blob and its readers
        if str(blob) not in descriptors() and reader_threads() == threads:
            break
        await asyncio.sleep(0.05)
    assert str(blob) not in descriptors()
    assert reader_threads() == threads
    response = await jp_fetch(*API, "models", model_id, "artifact", "files", "model.bin")
    assert response.body == data
