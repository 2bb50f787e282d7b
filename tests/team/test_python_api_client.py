"""``ModelCatalog()`` on an ``http://`` URL is a client of the service: list, get, download
and delete, with the typed errors of a local catalog."""
from __future__ import annotations

import pytest

from model_catalog_ext import ModelCatalog
from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.errors import ModelNotFound

from .conftest import ALICE_TOKEN


def test_the_python_api_works_against_the_service(team_service, artifact, tmp_path, monkeypatch):
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", ALICE_TOKEN)
    monkeypatch.setenv("MODEL_CATALOG_URL", team_service.url)
    saved = open_catalog(team_service.url).save(artifact, display_name="for the api", freeform_tags={"stage": "dev"})
    catalog = ModelCatalog()
    assert team_service.url in repr(catalog)
    listed = catalog.list_models(tags="stage:dev")
    assert [m.id for m in listed] == [saved.id]
    model = catalog.get_model(saved.id)
    assert model.created_by == "alice" and model.display_name == "for the api"
    catalog.download_model(saved.id, tmp_path / "downloaded")  # a ModelArtifact of that folder
    assert (tmp_path / "downloaded" / "model.pkl").read_bytes() == b"weights"
    assert catalog.delete_model(saved.id)
    with pytest.raises(ModelNotFound):
        catalog.get_model(saved.id)
