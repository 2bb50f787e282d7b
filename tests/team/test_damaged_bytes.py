"""Damaged bytes in the service's store reach no client: a download through the service
ends in DamagedArtifact (as on a local catalog), and a client's verify() names the file."""
from __future__ import annotations

import os

import pytest

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.errors import DamagedArtifact
from tests.damage import flip_byte

from .conftest import ALICE_TOKEN


def _damage(blobs_root, sha256: str, offset: int) -> None:
    [path] = [p for p in blobs_root.rglob(sha256) if p.is_file()]
    flip_byte(path, offset)


@pytest.mark.parametrize("offset", [0, 6 * 1024 * 1024], ids=["first chunk", "a later chunk"])
def test_a_damaged_blob_is_never_served(team_service, artifact, tmp_path, monkeypatch, offset):
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", ALICE_TOKEN)
    (artifact / "model.pkl").write_bytes(os.urandom(9 * 1024 * 1024))
    catalog = open_catalog(team_service.url)
    entry = catalog.save(artifact, display_name="to damage")
    sha = next(m["sha256"] for m in entry.manifest if m["path"] == "model.pkl")
    _damage(tmp_path / "service" / "blobs", sha, offset)
    with pytest.raises(DamagedArtifact):
        catalog.download(entry.id, tmp_path / "out")
    assert not (tmp_path / "out" / "model.pkl").exists()
    with pytest.raises(DamagedArtifact):
        b"".join(catalog.iter_file(entry.id, "model.pkl"))
    [report] = catalog.verify(entry.id)
    assert (report["path"], report["problem"]) == ("model.pkl", "damaged")
