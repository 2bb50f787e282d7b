"""Range downloads from a real service: a 206 holds exactly the slice asked for, a range past
the end is a 416, If-Range with another ETag gets the whole, and a client whose transfer is
cut (here by a real TCP proxy that drops the connection part-way) goes on where it stopped."""
from __future__ import annotations

import io
import os
import socket
import threading
import urllib.error
import urllib.request
import zipfile
from typing import Any

import pytest

from model_catalog_ext.catalog import open_catalog

from .conftest import SERVICE_TOKEN

SIZE = 9 * 1024 * 1024 + 123


@pytest.fixture
def saved(catalog_service_for_ranges, artifact, monkeypatch):
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", SERVICE_TOKEN)
    data = os.urandom(SIZE)
    (artifact / "model.bin").write_bytes(data)
    catalog = open_catalog(catalog_service_for_ranges.url)
    return catalog_service_for_ranges, catalog.save(artifact, display_name="ranges"), data


@pytest.fixture
def catalog_service_for_ranges(tmp_path):
    from tests.catalog.service_process import start_service, stop_service

    service = start_service(tmp_path / "service")
    yield service
    stop_service(service)


def get(url: str, headers: dict) -> tuple[int, Any, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"token {SERVICE_TOKEN}", **headers})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_a_range_of_a_file_is_exactly_that_slice(saved):
    service, entry, data = saved
    url = f"{service.url}/model-catalog/api/models/{entry.id}/artifact/files/model.bin"
    etag = f'"{entry.manifest[[m["path"] for m in entry.manifest].index("model.bin")]["sha256"]}"'
    status, headers, body = get(url, {})
    assert status == 200 and headers["Accept-Ranges"] == "bytes" and headers["ETag"] == etag and body == data
    for asked, first, last in (("bytes=0-0", 0, 0), ("bytes=4194303-4194400", 4194303, 4194400),
                               ("bytes=5000000-", 5000000, SIZE - 1), ("bytes=-1000", SIZE - 1000, SIZE - 1),
                               (f"bytes=100-{SIZE + 50}", 100, SIZE - 1)):
        status, headers, body = get(url, {"Range": asked, "If-Range": etag})
        assert status == 206, asked
        assert headers["Content-Range"] == f"bytes {first}-{last}/{SIZE}", asked
        assert int(headers["Content-Length"]) == last - first + 1 and body == data[first:last + 1], asked
    status, headers, body = get(url, {"Range": f"bytes={SIZE}-"})
    assert status == 416 and headers["Content-Range"] == f"bytes */{SIZE}"
    assert b"range_not_satisfiable" in body
    # Another artifact's ETag: never a slice of these bytes to splice onto those, the whole instead.
    status, headers, body = get(url, {"Range": "bytes=10-", "If-Range": '"' + "0" * 64 + '"'})
    assert status == 200 and body == data
    status, _, body = get(url, {"Range": "bytes=0-1,5-6"})  # several ranges: the whole
    assert status == 200 and body == data


def test_a_range_of_the_zip_is_that_slice_of_the_whole_zip(saved):
    service, entry, data = saved
    url = f"{service.url}/model-catalog/api/models/{entry.id}/artifact"
    status, headers, whole = get(url, {})
    assert status == 200 and headers["Accept-Ranges"] == "bytes"
    assert zipfile.ZipFile(io.BytesIO(whole)).read("model.bin") == data
    cut = len(whole) // 3
    status, headers, rest = get(url, {"Range": f"bytes={cut}-", "If-Range": headers["ETag"]})
    assert status == 206 and whole[:cut] + rest == whole


class CuttingProxy:
    """A TCP proxy to the service that drops the first download connection after
    ``cut_after`` bytes of its answer; later connections pass whole."""

    def __init__(self, port: int, cut_after: int):
        self.target, self.cut_after, self.cuts = port, cut_after, 0
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self._pipe, args=(client, upstream, None), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, self), daemon=True).start()

    def _pipe(self, source, sink, answers):
        sent, limit = 0, None
        try:
            while data := source.recv(65536):
                if answers is not None and limit is None and data.startswith(b"HTTP/1.1 200") \
                        and answers.cuts == 0 and int(_header(data, b"content-length") or 0) > answers.cut_after:
                    limit = answers.cut_after
                    answers.cuts += 1
                if limit is not None and sent + len(data) > limit:
                    sink.sendall(data[:limit - sent])
                    break
                sink.sendall(data)
                sent += len(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self):
        self.server.close()


def _header(data: bytes, name: bytes) -> bytes | None:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    return None


def test_a_cut_download_goes_on_where_it_stopped(saved, tmp_path):
    service, entry, data = saved
    port = int(service.url.rsplit(":", 1)[1])
    proxy = CuttingProxy(port, cut_after=3 * 1024 * 1024)
    try:
        out = open_catalog(proxy.url).download(entry.id, tmp_path / "out")
    finally:
        proxy.close()
    assert proxy.cuts == 1  # the transfer really was cut, and went on with a Range
    assert (out / "model.bin").read_bytes() == data
