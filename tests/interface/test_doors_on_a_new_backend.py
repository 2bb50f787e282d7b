"""A backend no door knows of (the in-memory one of the tests) works through every door
unchanged: the CLI, the Python API and the REST API of a real Jupyter server."""
from __future__ import annotations

import json

import pytest

from model_catalog_ext.cli.main import main


def artifact(tmp_path):
    folder = tmp_path / "art"
    folder.mkdir()
    (folder / "score.py").write_text("def load_model():\n    return 1\n\n\ndef predict(data, model=load_model()):\n"
                                     "    return {'prediction': [model]}\n")
    (folder / "model.pkl").write_bytes(b"weights")
    return folder


def test_the_cli_and_the_python_api(memory_catalog_url, tmp_path, capsys):
    from model_catalog_ext import ModelCatalog

    assert main(["--url", memory_catalog_url, "save", str(artifact(tmp_path)), "--name", "in-memory",
                 "--tag", "version:1", "--json"]) == 0
    saved = json.loads(capsys.readouterr().out)
    assert main(["--url", memory_catalog_url, "list", "--json", "tag:version=1"]) == 0
    assert [m["id"] for m in json.loads(capsys.readouterr().out)["items"]] == [saved["id"]]
    models = ModelCatalog(backend=memory_catalog_url).list_models()
    assert [m.id for m in models] == [saved["id"]]
    model = ModelCatalog(backend=memory_catalog_url).download_model(saved["id"], tmp_path / "down")
    assert (tmp_path / "down" / "model.pkl").read_bytes() == b"weights" and model is not None


@pytest.fixture
def jp_server_config(jp_server_config, memory_catalog_url):
    return {"ServerApp": {"jpserver_extensions": {"model_catalog_ext": True}},
            "ModelCatalogConfig": {"backend_url": memory_catalog_url}}


async def test_the_rest_api(jp_fetch, memory_catalog_url, tmp_path):
    from model_catalog_ext.catalog import open_catalog

    saved = open_catalog(memory_catalog_url).save(artifact(tmp_path), display_name="served")
    page = json.loads((await jp_fetch("model-catalog", "api", "models")).body)
    assert [m["id"] for m in page["items"]] == [saved.id]
    caps = json.loads((await jp_fetch("model-catalog", "api", "capabilities")).body)
    assert caps["backend"]["kind"] == "memory" and caps["capabilities"]["garbage_collection"] is False
    zipped = await jp_fetch("model-catalog", "api", "models", saved.id, "artifact")
    assert zipped.body[:2] == b"PK"
