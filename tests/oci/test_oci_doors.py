"""Every door over the OCI backend: the CLI, the panel's REST API on a real Jupyter Server
with ``ModelCatalogConfig.backend_url`` set to the fake, and ``%catalog`` in a kernel that
server starts."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from oci_fixtures import PROJECT

from model_catalog_ext.cli.main import main
from tests.server.helpers import artifact_files, multipart, write_artifact, zip_bytes
from tests.server.notebook_session import start_session
from tests.server.test_one_catalog import execute

API = ("model-catalog", "api")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_saves_lists_downloads_and_deletes_on_oci(oci_catalog_url, oci_fake, tmp_path, capsys,
                                                          monkeypatch):
    monkeypatch.setenv("MODEL_CATALOG_URL", oci_catalog_url)
    art = write_artifact(tmp_path / "art")
    code, out, err = run(capsys, "save", str(art), "--name", "churn", "--tag", "version:3", "--json")
    assert code == 0, err
    saved = json.loads(out)
    assert saved["project_id"] == PROJECT and oci_fake.models[saved["id"]]["displayName"] == "churn"
    code, out, _ = run(capsys, "list", "tag:version=3", "--json")
    assert [m["id"] for m in json.loads(out)["items"]] == [saved["id"]]
    code, _, err = run(capsys, "download", saved["id"], str(tmp_path / "out"))
    assert code == 0, err
    assert (tmp_path / "out" / "weights.json").read_bytes() == (art / "weights.json").read_bytes()
    code, out, _ = run(capsys, "verify", "--json")
    assert code == 0
    code, _, err = run(capsys, "delete", saved["id"], "--yes")
    assert code == 0, err
    assert oci_fake.models[saved["id"]]["lifecycleState"] == "DELETED"
    code, _, err = run(capsys, "show", saved["id"])
    assert code == 1 and "No model with id" in err


@pytest.fixture
def no_catalog_env(monkeypatch):
    """Only c.ModelCatalogConfig names the catalog (before the server starts and exports it)."""
    monkeypatch.delenv("MODEL_CATALOG_URL", raising=False)
    monkeypatch.delenv("MODEL_CATALOG_ARTIFACT_ROOT", raising=False)


@pytest.fixture
def jp_server_config(jp_server_config, oci_catalog_url):
    return {
        "ServerApp": {"jpserver_extensions": {"model_catalog_ext": True}, "allow_unauthenticated_access": False},
        "ModelCatalogConfig": {"backend_url": oci_catalog_url},
    }


async def test_the_panel_api_works_against_oci(no_catalog_env, jp_fetch, oci_fake):
    caps = json.loads((await jp_fetch(*API, "capabilities")).body)
    assert caps["backend"]["kind"] == "oci" and caps["capabilities"]["filters"]["tags"] == "slow"
    body, content_type = multipart({"display_name": "from-the-panel", "freeform_tags": {"team": "ml"}},
                                   zip_bytes(artifact_files()))
    response = await jp_fetch(*API, "models", method="POST", body=body, headers={"Content-Type": content_type})
    assert response.code == 201
    entry = json.loads(response.body)
    assert oci_fake.models[entry["id"]]["lifecycleState"] == "ACTIVE"
    listing = json.loads((await jp_fetch(*API, "models", params={"q": "tag:team=ml"})).body)
    assert [m["id"] for m in listing["items"]] == [entry["id"]]
    data = (await jp_fetch(*API, "models", entry["id"], "artifact")).body
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.read("weights.json") == artifact_files()["weights.json"]
    patched = await jp_fetch(*API, "models", entry["id"], method="PATCH",
                             body=json.dumps({"description": "edited"}), headers={"If-Match": f'"{entry["etag"]}"'})
    assert json.loads(patched.body)["description"] == "edited"


async def test_catalog_magic_in_a_kernel_the_server_starts_uses_oci(no_catalog_env, jp_fetch, jp_serverapp,
                                                                    jp_root_dir, oci_fake, oci_catalog_url, tmp_path):
    from model_catalog_ext.catalog import open_catalog

    with open_catalog(oci_catalog_url) as catalog:
        saved = catalog.save(write_artifact(tmp_path / "art"), display_name="only-in-oci")
    (jp_root_dir / "train.ipynb").write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
                                                         "nbformat_minor": 5}))
    kernel_id = await start_session(jp_fetch, "train.ipynb")
    text = await execute(jp_serverapp.kernel_manager, kernel_id, "%load_ext model_catalog_ext\n%catalog list")
    assert "only-in-oci" in text, text
    text = await execute(jp_serverapp.kernel_manager, kernel_id, "from model_catalog_ext import ModelCatalog\n"
                                                                 "print([m.id for m in ModelCatalog().list_models()])")
    assert f"['{saved.id}']" in text, text


async def test_the_panel_lists_the_compartments_projects(no_catalog_env, jp_fetch, oci_catalog_url):
    from model_catalog_ext.catalog import open_catalog

    with open_catalog(oci_catalog_url) as catalog:
        made = catalog.create_project("churn work", "team ml")
    data = json.loads((await jp_fetch(*API, "projects")).body)
    assert [(p["id"], p["display_name"], p["description"]) for p in data["items"]] == \
        [(made["id"], "churn work", "team ml")]
    assert data["items"][0]["time_created"].endswith("+00:00")


async def test_a_policy_oci_refuses_is_a_403_with_what_to_check_through_the_rest_api(no_catalog_env, jp_fetch,
                                                                                     oci_fake):
    from tornado.httpclient import HTTPClientError

    oci_fake.fail("GET", r"/models$", status=403, code="NotAuthorized")
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(*API, "models")
    body = json.loads(err.value.response.body)
    assert err.value.code == 403 and body["error"] == "not_authorized"
    assert "manage data-science-family" in body["message"]
    assert body["details"]["opc_request_id"] in body["message"] and body["details"]["oci_status"] == 403
