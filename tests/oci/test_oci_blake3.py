"""Downloads from OCI checked by the BLAKE3 recorded at save, and by sha256 for models saved without it."""
from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from blake3 import blake3

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.catalog.oci.mapping import RECORD_KEY
from model_catalog_ext.errors import DamagedArtifact

PAYLOAD_SIZE = 6 * 1024 * 1024  # over one 4 MiB chunk: its last chunk is held back until checked


@pytest.fixture
def catalog(oci_catalog_url):
    svc = open_catalog(oci_catalog_url)
    yield svc
    svc.close()


@pytest.fixture
def saved(catalog, tmp_path):
    """A model with a 6 MiB model.bin: (entry, its bytes)."""
    root = tmp_path / "art"
    root.mkdir()
    (root / "score.py").write_text("def predict(data, model=None):\n    return {'prediction': data}\n")
    payload = os.urandom(PAYLOAD_SIZE)
    (root / "model.bin").write_bytes(payload)
    return catalog.save(root, display_name="m"), payload


def _record(fake, model_id: str) -> dict:
    return json.loads(next(m["value"] for m in fake.models[model_id]["customMetadataList"] if m["key"] == RECORD_KEY))


def _set_record(fake, model_id: str, record: dict) -> None:
    for item in fake.models[model_id]["customMetadataList"]:
        if item["key"] == RECORD_KEY:
            item["value"] = json.dumps(record, separators=(",", ":"))


def _tamper_model_bin(fake, model_id: str) -> None:
    with zipfile.ZipFile(io.BytesIO(Path(fake.artifacts[model_id]["path"]).read_bytes())) as zf:
        offset = zf.getinfo("model.bin").header_offset + 30 + len("model.bin")
    fake.tamper_artifact(model_id, offset + 5 * 1024 * 1024, b"\x00corrupt\x00")


def _served_before_refusal(catalog, model_id: str, match: str) -> int:
    served = []
    with pytest.raises(DamagedArtifact, match=match):
        for chunk in catalog.iter_file(model_id, "model.bin"):
            served.append(chunk)
    return len(b"".join(served))


def test_a_save_records_each_files_blake3_and_a_download_checks_it(catalog, oci_fake, saved, tmp_path):
    e, payload = saved
    record = _record(oci_fake, e.id)
    rows = {row[0]: row for row in record["files"]}
    assert rows["model.bin"][5] == blake3(payload).hexdigest() and len(rows["score.py"]) == 6
    assert record["blake3"]
    out = catalog.download(e.id, tmp_path / "out")
    assert (out / "model.bin").read_bytes() == payload
    _tamper_model_bin(oci_fake, e.id)
    assert _served_before_refusal(catalog, e.id, "model.bin.*BLAKE3") < len(payload)
    with pytest.raises(DamagedArtifact):
        catalog.download(e.id, tmp_path / "again")
    assert not (tmp_path / "again").exists()
    assert [r["path"] for r in catalog.verify(e.id)] == ["model.bin"]


def test_a_model_saved_without_blake3_is_still_checked_with_sha256(catalog, oci_fake, saved, tmp_path):
    e, payload = saved
    record = _record(oci_fake, e.id)  # as saved before BLAKE3 was recorded: five fields a row, no "blake3"
    record["files"] = [row[:5] for row in record["files"]]
    del record["blake3"]
    _set_record(oci_fake, e.id, record)
    out = catalog.download(e.id, tmp_path / "out")
    assert (out / "model.bin").read_bytes() == payload
    _tamper_model_bin(oci_fake, e.id)
    assert _served_before_refusal(catalog, e.id, "model.bin.*sha256") < len(payload)
    with pytest.raises(DamagedArtifact):
        catalog.download(e.id, tmp_path / "again")


def test_an_edited_blake3_is_an_edited_manifest(catalog, oci_fake, saved, tmp_path):
    e, _ = saved
    record = _record(oci_fake, e.id)
    row = next(r for r in record["files"] if r[0] == "model.bin")
    row[5] = blake3(b"something else").hexdigest()
    _set_record(oci_fake, e.id, record)
    with pytest.raises(DamagedArtifact, match="manifest"):
        catalog.download(e.id, tmp_path / "out")
    assert not (tmp_path / "out").exists()
