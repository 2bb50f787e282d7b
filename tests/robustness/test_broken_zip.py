"""Issue 19, item 9: a zip whose central directory is fine but whose members cannot be
opened or read is the artifact's fault -- InvalidArtifact (HTTP 422) at every door, never a
raw OSError / BadZipFile (a 500, or a traceback in the CLI), and nothing is stored."""
from __future__ import annotations

import json

import pytest

from model_catalog_ext.cli.main import main
from model_catalog_ext.errors import InvalidArtifact
from tests.server.helpers import multipart
from tests.server.test_models_api import fetch_json, stored_blob_count

from .broken_zips import BROKEN_ZIPS

KINDS = sorted(BROKEN_ZIPS)


@pytest.mark.parametrize("kind", KINDS)
def test_saving_a_broken_zip_is_invalid_artifact(sqlite_catalog, tmp_path, snap, kind):
    path = tmp_path / "model.zip"
    path.write_bytes(BROKEN_ZIPS[kind]())
    before = snap(sqlite_catalog)
    with pytest.raises(InvalidArtifact, match=r"The zip '.*model\.zip' is damaged: its entry '[^']+' cannot be "
                                              r"(opened|read)") as err:
        sqlite_catalog.save(path, display_name="broken")
    assert len(err.value.message) < 600  # the reason is cut short: never a dump of the zip's bytes
    assert snap(sqlite_catalog) == before


@pytest.mark.parametrize("kind", KINDS)
def test_the_cli_says_what_is_wrong_without_a_traceback(tmp_path, monkeypatch, capsys, kind):
    monkeypatch.setenv("MODEL_CATALOG_URL", f"sqlite:///{tmp_path}/catalog.db")
    monkeypatch.setenv("MODEL_CATALOG_ARTIFACT_ROOT", str(tmp_path / "blobs"))
    path = tmp_path / "model.zip"
    path.write_bytes(BROKEN_ZIPS[kind]())
    code = main(["save", str(path), "--name", "broken"])
    _, err = capsys.readouterr()
    assert code != 0 and "Traceback" not in err
    assert "is damaged" in err and "model.zip" in err


@pytest.mark.parametrize("kind", KINDS)
async def test_uploading_a_broken_zip_is_422(jp_fetch, catalog_home, kind):
    body, content_type = multipart({"display_name": "broken"}, BROKEN_ZIPS[kind]())
    error = await fetch_json(jp_fetch, "models", method="POST", body=body,
                             headers={"Content-Type": content_type}, expect=422)
    assert error["error"] == "invalid_artifact" and "is damaged" in error["message"]
    assert "model-catalog-upload" not in json.dumps(error)  # never where the server spooled it
    listing = await fetch_json(jp_fetch, "models", params={"state": "ALL"})
    assert listing["items"] == [] and stored_blob_count(catalog_home) == 0
