"""The history contract: every change to a model is recorded with who, when and what, in the
change's own transaction, on every backend that keeps a history (``capabilities().history``).

Runs on every backend of the ``catalog`` fixture (conftest.py); the ones without a history
(OCI) skip.  Through a catalog service (``http``) the actor is the user the service
authenticated, never the name the client acts as.
"""
from __future__ import annotations

from datetime import datetime

import pytest
from service_process import SERVICE_USER

from model_catalog_ext.errors import Conflict, InvalidInput, ModelNotFound


@pytest.fixture
def catalog(catalog):
    if not catalog.capabilities().history:
        pytest.skip("this backend keeps no history (capabilities: history=False)")
    return catalog


def actor(catalog, name: str) -> str:
    """Whom the backend records for a change made as ``name``."""
    return SERVICE_USER if catalog.info().kind == "http" else name


def test_save_edit_deactivate_activate_delete_are_recorded_in_order(catalog, make_artifact):
    as_alice, as_bob = catalog.acting_as("alice"), catalog.acting_as("bob")
    saved = as_alice.save(make_artifact(), display_name="churn", freeform_tags={"stage": "dev"})
    edited = as_bob.update(saved.id, etag=saved.etag, freeform_tags={"stage": "production"}, description="v1")
    as_bob.update(saved.id, description="v1")  # changes nothing: nothing to record
    as_alice.deactivate(saved.id)
    as_alice.deactivate(saved.id)  # already inactive: nothing to record
    as_bob.activate(saved.id)
    catalog.acting_as("carol").delete(saved.id)

    records = catalog.history(saved.id)  # still readable after the delete
    assert [(r["action"], r["actor"]) for r in records] == [
        ("saved", actor(catalog, "alice")), ("edited", actor(catalog, "bob")),
        ("deactivated", actor(catalog, "alice")), ("activated", actor(catalog, "bob")),
        ("deleted", actor(catalog, "carol"))]
    assert all(r["model_id"] == saved.id and r["version"] == 1 and r["version_set_id"] == saved.version_set_id
               for r in records)
    sequences = [r["sequence"] for r in records]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    times = [datetime.fromisoformat(r["at"]) for r in records]
    assert all(t.utcoffset().total_seconds() == 0 for t in times) and times == sorted(times)
    assert times[0] == saved.time_created and times[1] == edited.time_updated

    first, edit, off, on, gone = (r["changes"] for r in records)
    assert first["version"] == [None, 1] and first["lifecycle_state"] == [None, "ACTIVE"]
    assert first["display_name"] == [None, "churn"] and first["freeform_tags"] == [None, {"stage": "dev"}]
    assert edit == {"freeform_tags": [{"stage": "dev"}, {"stage": "production"}], "description": ["", "v1"]}
    assert off == {"lifecycle_state": ["ACTIVE", "INACTIVE"]} and on == {"lifecycle_state": ["INACTIVE", "ACTIVE"]}
    assert gone == {}


def test_a_failed_change_records_nothing(catalog, make_artifact):
    entry = catalog.save(make_artifact(), display_name="m")
    catalog.update(entry.id, description="first")
    before = catalog.history(entry.id)
    with pytest.raises(Conflict):
        catalog.update(entry.id, etag=entry.etag, description="from a stale copy")
    with pytest.raises(InvalidInput):
        catalog.update(entry.id, display_name="")
    assert catalog.history(entry.id) == before
    assert catalog.get(entry.id).description == "first"


def test_history_of_every_version_answers_which_was_in_production_when(catalog, make_artifact):
    v1 = catalog.acting_as("alice").save(make_artifact(), display_name="m", freeform_tags={"stage": "production"})
    v2 = catalog.acting_as("alice").save(make_artifact(), display_name="m", as_new_version_of=v1.id)
    before_switch = catalog.history(v2.id)[-1]["at"]
    catalog.acting_as("bob").update(v1.id, freeform_tags={"stage": "archived"})
    catalog.acting_as("bob").update(v2.id, freeform_tags={"stage": "production"})
    catalog.acting_as("carol").deactivate(v1.id)
    catalog.save(make_artifact(), display_name="another model")

    records = catalog.history(v2.id, all_versions=True)
    assert [(r["version"], r["action"]) for r in records] == [
        (1, "saved"), (2, "saved"), (1, "edited"), (2, "edited"), (1, "deactivated")]
    assert catalog.history(v1.id, all_versions=True) == records
    assert [r["action"] for r in catalog.history(v1.id)] == ["saved", "edited", "deactivated"]

    assert in_production(records, before_switch) == (1, actor(catalog, "alice"))
    assert in_production(records, records[-1]["at"]) == (2, actor(catalog, "bob"))
    catalog.delete(v2.id)
    assert [r["action"] for r in catalog.history(v2.id, all_versions=True)][-1] == "deleted"


def in_production(records: list[dict], when: str) -> tuple[int, str] | None:
    """The version that was active and tagged stage=production at ``when``, and who made it so:
    the catalog's question answered by replaying plain history records."""
    state: dict[int, dict] = {}
    for r in records:
        if datetime.fromisoformat(r["at"]) > datetime.fromisoformat(when):
            break
        version = state.setdefault(r["version"], {})
        for name, (_, new) in r["changes"].items():
            version[name] = new
        if r["action"] == "deleted":
            version["lifecycle_state"] = "DELETED"
        version["by"] = r["actor"]
    found = [(v, s["by"]) for v, s in state.items()
             if s.get("lifecycle_state") == "ACTIVE" and (s.get("freeform_tags") or {}).get("stage") == "production"]
    return found[-1] if found else None


def test_history_of_an_unknown_or_malformed_id(catalog):
    with pytest.raises(ModelNotFound):
        catalog.history("mdl-000000000000000000000000")
    with pytest.raises(ModelNotFound):
        catalog.history("mdl-000000000000000000000000", all_versions=True)
    for bad in ("", "mdl-\x00", None):
        with pytest.raises(InvalidInput):
            catalog.history(bad)
    with pytest.raises(InvalidInput):
        catalog.history("mdl-000000000000000000000000", all_versions="yes")


def test_the_actor_is_a_user_name(catalog):
    for bad in ("", " ", "x" * 256, "nul\x00byte", 42):
        with pytest.raises(InvalidInput):
            catalog.acting_as(bad)
    assert catalog.acting_as(None).actor == catalog.actor


def test_sql_a_change_whose_record_cannot_be_written_is_not_made(sql_catalog, make_artifact, monkeypatch):
    """The record is written in the change's transaction: when it fails, so does the change."""
    entry = sql_catalog.save(make_artifact(), display_name="m")

    def cannot_record(*args, **kwargs):
        raise RuntimeError("the history table refused the row")

    monkeypatch.setattr(type(sql_catalog.backend), "_record", staticmethod(cannot_record))
    for change in (lambda: sql_catalog.update(entry.id, description="x"), lambda: sql_catalog.deactivate(entry.id),
                   lambda: sql_catalog.delete(entry.id), lambda: sql_catalog.save(make_artifact(), display_name="n")):
        with pytest.raises(RuntimeError, match="refused the row"):
            change()
    monkeypatch.undo()
    assert sql_catalog.get(entry.id) == entry
    assert [e.id for e in sql_catalog.list(state="ALL").items] == [entry.id]
    assert [r["action"] for r in sql_catalog.history(entry.id)] == ["saved"]
