"""``Model.history()``: a DataFrame of who changed a model, when and what, that answers "which
version was in production on 3 March, and who put it there" (the recipe of docs/journey.md)."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from model_catalog_ext.api.catalog import ModelCatalog
from model_catalog_ext.errors import Unsupported


def in_production(history: pd.DataFrame, when: str) -> list[tuple[int, str]]:
    """The versions active and tagged stage=production at ``when``, with who last changed each:
    the rows up to then, replayed (as docs/journey.md shows)."""
    state: dict[int, dict] = {}
    for row in history[history["at"] <= pd.Timestamp(when, tz="UTC")].itertuples():
        version = state.setdefault(row.version, {})
        version.update({field: new for field, (_, new) in row.changes.items()}, by=row.actor)
        if row.action == "deleted":
            version["lifecycle_state"] = "DELETED"
    return [(v, s["by"]) for v, s in state.items()
            if s.get("lifecycle_state") == "ACTIVE" and (s.get("freeform_tags") or {}).get("stage") == "production"]


@pytest.fixture
def on_day(monkeypatch):
    """``on_day("2026-03-01")``: the SQL store's clock reads noon (UTC) of that day."""
    def set_day(day: str) -> None:
        noon = datetime.fromisoformat(f"{day}T12:00:00+00:00")
        monkeypatch.setattr("model_catalog_ext.catalog.sql_store.now_us", lambda: int(noon.timestamp() * 1_000_000))

    return set_day


def test_which_version_was_in_production_on_a_day_and_who_put_it_there(service, artifact_dir, on_day):
    alice, bob = ModelCatalog(backend=service.acting_as("alice")), ModelCatalog(backend=service.acting_as("bob"))
    on_day("2026-03-01")
    v1 = alice.upload_model(artifact_dir("a"), display_name="churn", freeform_tags={"stage": "production"})
    on_day("2026-03-02")
    v2 = alice.upload_model(artifact_dir("b"), display_name="churn", as_new_version_of=v1.id)
    on_day("2026-03-04")
    promoted = bob.get_model(v2.id)
    promoted.freeform_tags = {"stage": "production"}
    promoted.commit()
    retired = bob.get_model(v1.id)
    retired.freeform_tags = {"stage": "archived"}
    retired.commit()
    on_day("2026-03-06")
    retired.deactivate()
    alice.delete_model(v1.id)

    history = v2.history(all_versions=True)
    assert list(history.columns) == ["at", "version", "action", "actor", "changes", "model_id", "version_set_id",
                                     "sequence"]
    assert str(history["at"].dtype).startswith("datetime64") and str(history["at"].dt.tz) == "UTC"
    assert list(zip(history.version, history.action, history.actor)) == [
        (1, "saved", "alice"), (2, "saved", "alice"), (2, "edited", "bob"), (1, "edited", "bob"),
        (1, "deactivated", "bob"), (1, "deleted", "alice")]
    assert in_production(history, "2026-03-03 12:00") == [(1, "alice")]
    assert in_production(history, "2026-03-05 12:00") == [(2, "bob")]
    assert in_production(history, "2026-02-28") == []
    assert list(v1.history().action) == ["saved", "edited", "deactivated", "deleted"]  # also once deleted


def test_history_of_a_catalog_that_keeps_none(service, artifact_dir, monkeypatch):
    from model_catalog_ext.catalog.interface import CatalogBackend

    m = ModelCatalog(backend=service).upload_model(artifact_dir(), display_name="m")
    monkeypatch.setattr(type(service.backend), "history", CatalogBackend.history)
    with pytest.raises(Unsupported, match="keeps no history"):
        m.history()


def test_an_entry_without_records_has_an_empty_history(service, artifact_dir):
    import sqlalchemy as sa

    m = ModelCatalog(backend=service).upload_model(artifact_dir(), display_name="m")
    with service.backend.engine.begin() as conn:  # as if saved before the catalog kept a history
        conn.execute(sa.text("DELETE FROM model_history"))
    empty = m.history()
    assert empty.empty and list(empty.columns)[:4] == ["at", "version", "action", "actor"]
