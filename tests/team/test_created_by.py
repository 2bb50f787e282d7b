"""``created_by`` is who the service authenticated, never what a client says: through the
client backend (which names the local user as the author) and in a raw upload's metadata."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

from model_catalog_ext.catalog import open_catalog

from .conftest import ALICE_TOKEN, MALLORY, SERVICE_USER


def test_a_save_is_recorded_as_the_authenticated_user(team_service, artifact, monkeypatch):
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", ALICE_TOKEN)
    catalog = open_catalog(team_service.url)
    entry = catalog.save(artifact, display_name="hers", created_by=MALLORY)
    assert entry.created_by == "alice"
    assert catalog.get(entry.id).created_by == "alice"
    assert [e.id for e in catalog.list(created_by="alice").items] == [entry.id]
    assert catalog.list(created_by=MALLORY).items == []


def test_the_services_own_token_is_the_service_user(team_service, artifact, monkeypatch):
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", team_service.token)
    entry = open_catalog(team_service.url).save(artifact, display_name="ops", created_by=MALLORY)
    assert entry.created_by == SERVICE_USER


def test_created_by_in_a_raw_uploads_metadata_is_refused(team_service, artifact):
    # By its package name: a bare "helpers" may be another module of that name already
    # imported (an artifact's helpers.py that a reload() test loaded).
    from tests.server.helpers import artifact_files, multipart, zip_bytes

    body, content_type = multipart({"display_name": "forged", "created_by": MALLORY}, zip_bytes(artifact_files()))
    request = urllib.request.Request(f"{team_service.url}/model-catalog/api/models", data=body, method="POST",
                                     headers={"Content-Type": content_type, "Authorization": f"token {ALICE_TOKEN}",
                                              "X-Model-Catalog-Author": MALLORY})
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("a created_by in the metadata was accepted")
    except urllib.error.HTTPError as exc:
        assert exc.code == 400 and "created_by" in json.loads(exc.read())["message"]
    # The same upload without it, still naming mallory in the header: alice's.
    body, content_type = multipart({"display_name": "hers"}, zip_bytes(artifact_files()))
    request = urllib.request.Request(f"{team_service.url}/model-catalog/api/models", data=body, method="POST",
                                     headers={"Content-Type": content_type, "Authorization": f"token {ALICE_TOKEN}",
                                              "X-Model-Catalog-Author": MALLORY})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read())["created_by"] == "alice"
