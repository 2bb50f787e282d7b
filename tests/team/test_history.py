"""Through the team service, the history's actor is the user the service authenticated: not the
name the client acts as, not an author a trusted client names for a save."""
from __future__ import annotations

import json
import urllib.request

import pytest

from model_catalog_ext.catalog import open_catalog

from .conftest import ALICE_TOKEN, MALLORY, SERVICE_TOKEN, SERVICE_USER, start_service, stop_service


@pytest.fixture
def service(tmp_path):
    """Alice has a personal token; the service's own token (SERVICE_USER) may name authors."""
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps({ALICE_TOKEN: "alice"}))
    running = start_service(tmp_path / "service", identity={
        "service_user": SERVICE_USER, "tokens_file": str(tokens), "may_record_authors_for": [SERVICE_USER]})
    yield running
    stop_service(running)


def client(service, token: str, monkeypatch):
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", token)
    return open_catalog(service.url)


def test_every_change_is_recorded_as_the_authenticated_user(service, artifact, monkeypatch):
    alice = client(service, ALICE_TOKEN, monkeypatch).acting_as(MALLORY)  # a client's word counts for nothing
    entry = alice.save(artifact, display_name="hers")
    alice.update(entry.id, etag=entry.etag, description="tuned")
    operator = client(service, SERVICE_TOKEN, monkeypatch)
    operator.deactivate(entry.id)
    # A raw edit naming another author in the header: still alice's change.
    request = urllib.request.Request(f"{service.url}/model-catalog/api/models/{entry.id}", method="PATCH",
                                     data=json.dumps({"freeform_tags": {"stage": "production"}}).encode(),
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"token {ALICE_TOKEN}",
                                              "X-Model-Catalog-Author": MALLORY})
    urllib.request.urlopen(request, timeout=10).close()
    operator.delete(entry.id)

    records = alice.history(entry.id)
    assert [(r["action"], r["actor"]) for r in records] == [
        ("saved", "alice"), ("edited", "alice"), ("deactivated", SERVICE_USER), ("edited", "alice"),
        ("deleted", SERVICE_USER)]
    assert records[3]["changes"] == {"freeform_tags": [{}, {"stage": "production"}]}


def test_a_copied_model_keeps_its_author_and_records_who_copied_it(service, artifact, monkeypatch):
    copier = client(service, SERVICE_TOKEN, monkeypatch)
    entry = copier.save(artifact, display_name="copied", created_by=MALLORY)
    assert entry.created_by == MALLORY  # whose model it is, as the trusted copier says
    [saved] = copier.history(entry.id)
    assert saved["actor"] == SERVICE_USER and saved["changes"]["created_by"] == [None, MALLORY]


def test_history_route_refuses_bad_parameters_and_strangers(service, artifact, monkeypatch):
    import urllib.error

    entry = client(service, ALICE_TOKEN, monkeypatch).save(artifact, display_name="m")
    base = f"{service.url}/model-catalog/api/models/{entry.id}/history"
    for query, token, status in (("?all_versions=maybe", ALICE_TOKEN, 400), ("?since=1", ALICE_TOKEN, 400),
                                 ("", None, 401), ("", "wrong-token", 401)):
        headers = {"Authorization": f"token {token}"} if token else {}
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(urllib.request.Request(base + query, headers=headers), timeout=10)
        assert err.value.code == status
        assert "message" in json.loads(err.value.read())
    request = urllib.request.Request(base + "?all_versions=true", headers={"Authorization": f"token {ALICE_TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert [r["action"] for r in json.loads(response.read())["items"]] == ["saved"]
