"""One configuration for every door: configure only the server's traitlet, and a kernel the
server starts (as JupyterLab does for a notebook) opens the same catalog as the panel."""
from __future__ import annotations

import json

import pytest

from .helpers import write_artifact
from .notebook_session import execute, start_session


@pytest.fixture
def only_the_traitlet(monkeypatch):
    """No environment variable names a catalog: only c.ModelCatalogConfig does."""
    monkeypatch.delenv("MODEL_CATALOG_URL", raising=False)
    monkeypatch.delenv("MODEL_CATALOG_ARTIFACT_ROOT", raising=False)


async def test_a_kernel_the_server_starts_lists_what_the_panel_lists(only_the_traitlet, jp_fetch, jp_serverapp,
                                                                     jp_root_dir, tmp_path):
    from model_catalog_ext.catalog import open_catalog

    config = jp_serverapp.config.ModelCatalogConfig
    with open_catalog(config.backend_url, config.artifact_root) as catalog:
        saved = catalog.save(write_artifact(tmp_path / "art"), display_name="only-in-the-configured-catalog")
    panel = json.loads((await jp_fetch("model-catalog", "api", "models")).body)
    assert [m["id"] for m in panel["items"]] == [saved.id]

    (jp_root_dir / "train.ipynb").write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
                                                         "nbformat_minor": 5}))
    kernel_id = await start_session(jp_fetch, "train.ipynb")
    kernels = jp_serverapp.kernel_manager
    text = await execute(kernels, kernel_id, "%load_ext model_catalog_ext\n%catalog list")
    assert "only-in-the-configured-catalog" in text, text
    text = await execute(kernels, kernel_id, "from model_catalog_ext import ModelCatalog\n"
                                             "print([m.id for m in ModelCatalog().list_models()])")
    assert f"['{saved.id}']" in text, text


async def test_capabilities_say_which_catalog_and_what_it_can_do(jp_fetch, catalog_home):
    data = json.loads((await jp_fetch("model-catalog", "api", "capabilities")).body)
    assert data["api"] == 1 and data["version"]
    assert data["backend"] == {"kind": "sqlite", "label": "Embedded catalog",
                               "location": str(catalog_home / "catalog.db")}
    caps = data["capabilities"]
    assert caps["deduplicates"] and caps["verify_stored"] and caps["garbage_collection"]
    assert caps["filters"]["tags"] == "native" and "name" in caps["sorts"]
