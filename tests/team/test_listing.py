"""A listing through the service has what a listing of a local catalog has: whole entries,
manifest included (the REST API leaves it out of its pages unless asked: include=manifest)."""
from __future__ import annotations

from model_catalog_ext.catalog import open_catalog

from .conftest import ALICE_TOKEN


def test_listed_entries_are_whole(team_service, artifact, monkeypatch):
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", ALICE_TOKEN)
    catalog = open_catalog(team_service.url)
    v1 = catalog.save(artifact, display_name="m")
    v2 = catalog.save(artifact, display_name="m", as_new_version_of=v1.id)
    assert catalog.list().items == [v2, v1]
    assert catalog.versions(v1.id) == [v1, v2]
    assert [m["path"] for m in catalog.list().items[0].manifest] == ["model.pkl", "score.py"]


def test_include_takes_manifest_only(team_service):
    import json
    import urllib.error
    import urllib.request

    for path in ("models?include=everything", "models/mdl-x/versions?include=everything"):
        request = urllib.request.Request(f"{team_service.url}/model-catalog/api/{path}",
                                         headers={"Authorization": f"token {ALICE_TOKEN}"})
        try:
            urllib.request.urlopen(request, timeout=10)
            raise AssertionError(f"{path} was answered")
        except urllib.error.HTTPError as exc:
            assert exc.code == 400 and "include" in json.loads(exc.read())["message"]


def test_capabilities_name_the_service_not_its_database(team_service):
    # The service's callers learn what it can do, never where its database or files live.
    import json
    import urllib.request

    request = urllib.request.Request(f"{team_service.url}/model-catalog/api/capabilities",
                                     headers={"Authorization": f"token {ALICE_TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        body = json.load(reply)
    assert body["backend"]["label"] == "Team catalog service"
    assert team_service.catalog_url.split("///")[-1] not in json.dumps(body)
