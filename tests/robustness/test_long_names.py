"""Issue 19, item 8: a file or folder name over 255 bytes (UTF-8), which no common
filesystem can hold.  A save refuses it, naming the path; an entry stored before that rule
is refused on download into a folder with a 4xx saying why (its zip still downloads)."""
from __future__ import annotations

import json
import zipfile

import pytest
import sqlalchemy as sa

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.catalog.records import dumps, loads
from model_catalog_ext.catalog.tables import artifacts
from model_catalog_ext.errors import InvalidArtifact
from tests.server.test_models_api import fetch_json, upload

from .broken_zips import SCORE

LONG_FILE = "w" * 252 + ".bin"  # 256 bytes
LONG_FOLDER = "é" * 128  # 128 characters, 256 bytes in UTF-8
LONGEST_FILE = "x" * 251 + ".bin"  # 255 bytes: allowed


def _zip(tmp_path, names) -> str:
    path = tmp_path / "model.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("score.py", SCORE)
        for name in names:
            archive.writestr(name, b"weights")
    return str(path)


@pytest.mark.parametrize("name, part", [
    (LONG_FILE, LONG_FILE),
    (f"{LONG_FOLDER}/model.bin", LONG_FOLDER),
    (f"sub/{LONG_FILE}", LONG_FILE),
])
def test_a_save_refuses_a_name_no_filesystem_can_hold(sqlite_catalog, tmp_path, snap, name, part):
    before = snap(sqlite_catalog)
    with pytest.raises(InvalidArtifact, match="256 bytes") as err:
        sqlite_catalog.save(_zip(tmp_path, [name]), display_name="long")
    assert err.value.details["path"] == name and part[:20] in err.value.message
    assert snap(sqlite_catalog) == before


def test_a_name_of_255_bytes_is_fine(sqlite_catalog, tmp_path):
    entry = sqlite_catalog.save(_zip(tmp_path, [LONGEST_FILE, f"{'é' * 127}/a.bin"]), display_name="ok")
    out = sqlite_catalog.download(entry.id, tmp_path / "out")
    assert (out / LONGEST_FILE).read_bytes() == b"weights"


def _rename_in_manifest(svc, entry, old: str, new: str) -> None:
    """Make ``entry`` what a catalog from before the rule may hold: a file named ``new``."""
    with svc.backend.engine.begin() as conn:
        manifest = loads(conn.execute(sa.select(artifacts.c.manifest)
                                      .where(artifacts.c.digest == entry.artifact_digest)).scalar_one())
        for item in manifest:
            if item["path"] == old:
                item["path"] = new
        conn.execute(artifacts.update().where(artifacts.c.digest == entry.artifact_digest)
                     .values(manifest=dumps(manifest)))


@pytest.mark.parametrize("name", [LONG_FILE, f"{LONG_FOLDER}/weights.bin"])
def test_downloading_an_old_entry_with_a_long_name_is_refused_before_writing(sqlite_catalog, tmp_path, name):
    entry = sqlite_catalog.save(_zip(tmp_path, ["weights.bin"]), display_name="old")
    _rename_in_manifest(sqlite_catalog, entry, "weights.bin", name)
    with pytest.raises(InvalidArtifact, match="256 bytes") as err:
        sqlite_catalog.download(entry.id, tmp_path / "out")
    assert err.value.details["path"] == name and "zip" in err.value.message  # what to do instead
    assert not (tmp_path / "out").exists()
    (tmp_path / "filled").mkdir()
    (tmp_path / "filled" / "keep.txt").write_text("mine")
    with pytest.raises(InvalidArtifact):
        sqlite_catalog.download(entry.id, tmp_path / "filled", force_overwrite=True)
    assert sorted(p.name for p in (tmp_path / "filled").iterdir()) == ["keep.txt"]
    # The zip keeps any name: the artifact stays reachable.
    with zipfile.ZipFile(sqlite_catalog.write_zip(entry.id, tmp_path / "old.zip")) as archive:
        assert archive.read(name) == b"weights"


async def test_a_download_of_such_an_entry_over_rest_is_4xx(jp_fetch, jp_root_dir, catalog_home):
    entry = await upload(jp_fetch, {"display_name": "old"})
    svc = open_catalog(f"sqlite:///{catalog_home / 'catalog.db'}", str(catalog_home / "blobs"))
    try:
        _rename_in_manifest(svc, svc.get(entry["id"]), "weights.json", LONG_FILE)
    finally:
        svc.close()
    error = await fetch_json(jp_fetch, "models", entry["id"], "download", method="POST",
                             body=json.dumps({"path": "restored"}), expect=422)
    assert error["error"] == "invalid_artifact" and LONG_FILE[:20] in error["message"]
    assert not (jp_root_dir / "restored").exists()
