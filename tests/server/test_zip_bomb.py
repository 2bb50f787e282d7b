"""A small upload that unpacks to far more than c.ModelCatalogConfig.max_upload_unpacked_size
(a zip bomb) is refused with 413, stores nothing and leaves no temporary file; so is a zip
whose declared sizes lie."""
import io
import json
import struct
import zipfile

import pytest

from .helpers import artifact_files, multipart
from .test_models_api import fetch_json, stored_blob_count

MiB = 1024 * 1024


@pytest.fixture
def jp_server_config(jp_server_config):
    jp_server_config["ModelCatalogConfig"]["max_upload_size"] = MiB
    return jp_server_config


def deflated_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def lying_zip(files: dict[str, bytes], liar: str, declared: int) -> bytes:
    """A zip whose headers (central directory and local) declare ``declared`` bytes for ``liar``."""
    data = bytearray(deflated_zip(files))
    for signature, name_length_at, name_at, size_at in ((b"PK\x01\x02", 28, 46, 24), (b"PK\x03\x04", 26, 30, 22)):
        start = 0
        while (i := data.find(signature, start)) >= 0:
            length = struct.unpack_from("<H", data, i + name_length_at)[0]
            if bytes(data[i + name_at:i + name_at + length]) == liar.encode():
                struct.pack_into("<I", data, i + size_at, declared)
            start = i + 4
    return bytes(data)


async def post_zip(jp_fetch, archive: bytes, expect: int, raw: bool = False):
    if raw:
        return await fetch_json(jp_fetch, "models", method="POST", body=archive, expect=expect,
                                params={"metadata": json.dumps({"display_name": "bomb"})},
                                headers={"Content-Type": "application/zip"})
    body, content_type = multipart({"display_name": "bomb"}, archive)
    return await fetch_json(jp_fetch, "models", method="POST", body=body, expect=expect,
                            headers={"Content-Type": content_type})


async def assert_nothing_stored(jp_fetch, catalog_home, spool):
    assert (await fetch_json(jp_fetch, "models", params={"state": "ALL"}))["items"] == []
    assert stored_blob_count(catalog_home) == 0
    assert list(spool.iterdir()) == []


def test_the_default_is_four_times_the_upload_limit(jp_serverapp):
    config = jp_serverapp.web_app.settings["model_catalog"].config
    assert config.max_upload_size == MiB and config.max_upload_unpacked_size == 4 * MiB


@pytest.mark.parametrize("raw", [False, True], ids=["multipart", "raw zip"])
async def test_a_zip_bomb_is_refused_before_unpacking(jp_fetch, catalog_home, spool, raw):
    bomb = deflated_zip({**artifact_files(), "weights.bin": bytes(300 * MiB)})
    assert len(bomb) < MiB  # within the upload limit
    error = await post_zip(jp_fetch, bomb, 413, raw=raw)
    assert error["error"] == "payload_too_large"
    assert str(4 * MiB) in error["message"] and "max_upload_unpacked_size" in error["message"]
    await assert_nothing_stored(jp_fetch, catalog_home, spool)


async def test_many_small_files_count_together(jp_fetch, catalog_home, spool):
    files = {**artifact_files(), **{f"part-{i}.bin": bytes(MiB) for i in range(5)}}
    error = await post_zip(jp_fetch, deflated_zip(files), 413)
    assert error["error"] == "payload_too_large"
    await assert_nothing_stored(jp_fetch, catalog_home, spool)


async def test_a_zip_that_lies_about_its_sizes_stores_nothing(jp_fetch, catalog_home, spool):
    # Declared 1 KiB, holds 50 MiB: what is unpacked is checked too, never trusted.
    liar = lying_zip({**artifact_files(), "weights.bin": bytes(50 * MiB)}, "weights.bin", 1024)
    error = await post_zip(jp_fetch, liar, 422)
    assert error["error"] == "invalid_artifact" and "damaged" in error["message"]
    await assert_nothing_stored(jp_fetch, catalog_home, spool)


async def test_a_zip_within_the_limit_is_saved(jp_fetch, spool):
    entry = await post_zip(jp_fetch, deflated_zip({**artifact_files(), "weights.bin": bytes(3 * MiB)}), 201)
    assert entry["artifact_size"] > 3 * MiB
    assert list(spool.iterdir()) == []


class TestAnExplicitLimit:
    @pytest.fixture
    def jp_server_config(self, jp_server_config):
        jp_server_config["ModelCatalogConfig"]["max_upload_unpacked_size"] = 2 * MiB
        return jp_server_config

    async def test_it_replaces_the_default(self, jp_fetch, catalog_home, spool):
        error = await post_zip(jp_fetch, deflated_zip({**artifact_files(), "weights.bin": bytes(3 * MiB)}), 413)
        assert str(2 * MiB) in error["message"]
        await assert_nothing_stored(jp_fetch, catalog_home, spool)
