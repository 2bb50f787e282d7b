"""Issue 19, item 14: an upload is received into a folder the catalog owns and collects (the
blob store's tmp/), so a spool file left by a server killed mid-upload is removed by
`jupyter model-catalog gc --grace 0` (and by a restart once it is older than the grace
period), and one left by a client that went away is removed at once."""
from __future__ import annotations

import asyncio
import json
import os

import pytest

from model_catalog_ext.cli.main import main
from tests.server.helpers import artifact_files, multipart, zip_bytes
from tests.server.test_models_api import API


async def _until(condition, timeout: float = 20.0):
    for _ in range(int(timeout / 0.05)):
        if result := condition():
            return result
        await asyncio.sleep(0.05)
    return condition()


def _files(folder) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


async def test_a_stalled_upload_is_spooled_where_gc_collects_it(jp_fetch, catalog_home, spool, monkeypatch, capsys):
    store_tmp = catalog_home / "blobs" / "tmp"
    body, content_type = multipart({"display_name": "stalled"},
                                   zip_bytes({**artifact_files(), "weights.bin": os.urandom(2 * 2**20)}))
    release = asyncio.Event()

    async def half_then_stall(write):
        await write(body[: len(body) // 2])
        await release.wait()
        raise ConnectionAbortedError("the client gives up")

    request = asyncio.ensure_future(jp_fetch(*API, "models", method="POST", body_producer=half_then_stall,
                                             headers={"Content-Type": content_type}, request_timeout=60))
    try:
        spooled = await _until(lambda: [p for p in _files(store_tmp) if p.stat().st_size], timeout=10)
        assert spooled, f"not in the store's tmp folder; the system temp folder holds {_files(spool)}"
        assert _files(spool) == []

        # What a server killed now leaves behind: `gc --grace 0` removes it.
        monkeypatch.setenv("MODEL_CATALOG_URL", f"sqlite:///{catalog_home / 'catalog.db'}")
        monkeypatch.setenv("MODEL_CATALOG_ARTIFACT_ROOT", str(catalog_home / "blobs"))
        assert main(["gc", "--grace", "0", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["removed_tmp_files"] == len(spooled)
        assert _files(store_tmp) == []
    finally:
        release.set()
        with pytest.raises(Exception):  # noqa: B017 (whichever way the stalled request ends)
            await request
    # The server's own clean-up does not trip over the file gc took away.
    assert await _until(lambda: _files(store_tmp) == [] and _files(spool) == [])


async def test_an_upload_leaves_nothing_in_the_spool(jp_fetch, catalog_home, spool):
    body, content_type = multipart({"display_name": "fine"}, zip_bytes(artifact_files()))
    response = await jp_fetch(*API, "models", method="POST", body=body, headers={"Content-Type": content_type})
    assert response.code == 201
    assert _files(catalog_home / "blobs" / "tmp") == [] and _files(spool) == []
