"""ModelSummaryList holds Model objects, as ADS's does: edits to listed models reach the catalog."""
from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import event

from model_catalog_ext.api.model import Model
from model_catalog_ext.api.summary import ModelSummaryList
from model_catalog_ext.errors import InvalidInput


@contextlib.contextmanager
def count_queries(service):
    """How many SQL statements the service runs inside the block."""
    seen = []

    def on_execute(*_args):
        seen.append(1)

    event.listen(service.backend.engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(service.backend.engine, "before_cursor_execute", on_execute)


@pytest.fixture
def listed(mc, artifact_dir):
    art = artifact_dir()
    for name, team in (("a", "ml"), ("B", "risk"), ("c", "ml")):
        mc.upload_model(art, display_name=name, freeform_tags={"team": team})
    return mc.list_models()  # c, B, a


def test_indexing_gives_a_fresh_model_whose_changes_commit(mc, listed):
    first = listed[0]
    assert isinstance(first, Model) and first.display_name == "c"
    first.display_name = "x"  # used to be set on a plain ModelEntry and silently lost
    first.commit()
    assert mc.get_model(first.id).display_name == "x"
    assert listed[0].display_name == "x"  # read afresh, as ADS's get_model(id)
    assert listed[-1].display_name == "a"
    with pytest.raises(TypeError, match="get_model"):
        listed["mdl-123"]


def test_items_have_model_actions(mc, listed):
    for m in listed:
        if m.display_name == "B":
            m.deactivate()
        m.description = "seen"
        m.commit()
    assert [m.display_name for m in mc.list_models()] == ["c", "a"]
    assert {m.description for m in mc.list_models(include_deleted=True)} == {"seen"}
    assert listed.df["description"].tolist() == ["seen"] * 3  # the table shows what was committed


def test_iteration_yields_the_listed_models_without_queries(mc, listed):
    with count_queries(mc.service) as queries:
        models = list(listed)
        again = list(listed)
        df = listed.df
    assert not queries
    assert all(isinstance(m, Model) for m in models) and [m.display_name for m in models] == ["c", "B", "a"]
    assert all(m is n for m, n in zip(models, again))  # pending edits survive a second loop
    assert df["display_name"].tolist() == ["c", "B", "a"]


def test_slices_filter_sort_and_add_are_summary_lists(listed):
    head = listed[:2]
    assert isinstance(head, ModelSummaryList) and [m.display_name for m in head] == ["c", "B"]
    seen = []
    ml = listed.filter(lambda m: seen.append(type(m)) or m.freeform_tags["team"] == "ml")
    assert isinstance(ml, ModelSummaryList) and [m.display_name for m in ml] == ["c", "a"]
    assert set(seen) == {Model}
    assert [m.display_name for m in listed.filter(lambda m, name: m.display_name == name, "a")] == ["a"]
    assert [m.display_name for m in listed.filter(lambda m: m.display_name != "c", instance=head)] == ["B"]
    picked = listed.filter([m for m in listed if m.display_name == "B"])  # ADS's list form
    assert isinstance(picked, ModelSummaryList) and [m.display_name for m in picked] == ["B"]
    assert len(listed.filter(lambda m: False)) == 0
    by_name = listed.sort_by("display_name")
    assert isinstance(by_name, ModelSummaryList) and [m.display_name for m in by_name] == ["a", "B", "c"]
    assert [m.display_name for m in listed.sort_by(["display_name"], reverse=True)] == ["c", "B", "a"]
    assert [m.display_name for m in listed.sort_by(["version", "display_name"])] == ["a", "B", "c"]
    with pytest.raises(InvalidInput, match="colour"):
        listed.sort_by("colour")
    assert [m.display_name for m in listed.sort_by("displayName")] == ["a", "B", "c"]  # ADS's name
    with pytest.raises(InvalidInput, match="dicts"):
        listed.sort_by("freeform_tags")
    for bad, needle in ((5, "got int"), ("iris", "got str"), (["x"], "not 'x'")):
        with pytest.raises(ValueError, match=needle):
            listed.filter(bad)
    both = head + listed[2:]
    assert isinstance(both, ModelSummaryList) and [m.display_name for m in both] == ["c", "B", "a"]
    assert len(listed + [listed[0]]) == 4
    assert listed[0].id in listed and listed[0] in listed and "mdl-nope" not in listed


def test_callers_that_display_lists_still_work(listed):
    from model_catalog_ext.magics import render

    assert "<table" in render.models_table_html(listed) and "B" in render.models_table_text(listed)
    assert "ModelSummaryList of 3" in repr(listed) and "<table" in listed._repr_html_()
