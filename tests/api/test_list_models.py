"""ModelCatalog.list_models(): every documented keyword filter, ours and ADS's, on a real catalog."""
from __future__ import annotations

import pytest

from model_catalog_ext.api.catalog import ModelCatalog
from model_catalog_ext.errors import InvalidInput


@pytest.fixture
def three(service, artifact_dir):
    """alpha-churn, beta-fraud, gamma (saved in that order; gamma is inactive)."""
    art = artifact_dir()
    alpha = service.save(art, display_name="alpha-churn", description="predicts churn", created_by="alice",
                         freeform_tags={"version": "3", "team": "ml"}, defined_metadata={"Framework": "scikit-learn"},
                         project_id="p1", compartment_id="c1")
    beta = service.save(art, display_name="beta-fraud", description="trained on alpine data", created_by="bob",
                        freeform_tags={"version": "4", "team": "mlops"}, defined_metadata={"Framework": "xgboost"},
                        project_id="p2", compartment_id="c2")
    gamma = service.save(art, display_name="gamma", created_by="alice", compartment_id="c1")
    service.deactivate(gamma.id)
    return alpha, beta, gamma


def names(models):
    return [m.display_name for m in models]


def test_text_filter_matches_name_or_description(mc, three):
    # text= used to collide with parse_search()'s own first argument (TypeError)
    assert names(mc.list_models(text="alp")) == ["beta-fraud", "alpha-churn"]
    assert names(mc.list_models(text="alp churn")) == ["alpha-churn"]
    assert names(mc.list_models(search="fraud", text="alp")) == ["beta-fraud"]
    assert names(mc.list_models(search="user:alice", text="alp")) == ["alpha-churn"]
    with pytest.raises(InvalidInput, match="text"):
        mc.list_models(text=3)


def test_name_and_exact_display_name(mc, three):
    assert names(mc.list_models(name="alp")) == ["alpha-churn"]
    assert names(mc.list_models(display_name="beta-fraud")) == ["beta-fraud"]
    assert names(mc.list_models(display_name="beta")) == []  # exact, not a substring


def test_search_grammar(mc, three):
    assert names(mc.list_models(search="churn tag:version=3 user:alice")) == ["alpha-churn"]
    assert names(mc.list_models(search="state:all user:alice")) == ["gamma", "alpha-churn"]


def test_tags_one_string_or_a_list(mc, three):
    assert names(mc.list_models(tags="version:3")) == ["alpha-churn"]  # one tag, not its characters
    assert names(mc.list_models(tags=["team:ml*"])) == ["beta-fraud", "alpha-churn"]
    assert names(mc.list_models(tags=["team"])) == ["beta-fraud", "alpha-churn"]
    assert names(mc.list_models(tags=["team:ml", "version:4"])) == []


def test_tags_as_a_dict_match_their_values(mc, three):
    """{"version": "99"} is version=99, as freeform_tags are written -- not "has a version tag"."""
    assert names(mc.list_models(tags={"version": "99"})) == []
    assert names(mc.list_models(tags={"version": "4"})) == ["beta-fraud"]
    assert names(mc.list_models(tags={"team": "ml", "version": "3"})) == ["alpha-churn"]
    assert names(mc.list_models(tags={"team": None})) == ["beta-fraud", "alpha-churn"]  # any value
    with pytest.raises(InvalidInput, match="must be text"):
        mc.list_models(tags={"version": 3})
    with pytest.raises(InvalidInput, match="not int"):
        mc.list_models(tags=5)


def test_more_tag_filters_than_a_model_can_have_tags_is_a_clear_error(mc, three):
    assert names(mc.list_models(tags=[f"k{i}:v" for i in range(100)])) == []
    with pytest.raises(InvalidInput, match="at most 100"):
        mc.list_models(tags=[f"k{i}:v" for i in range(1000)])


def test_created_by_framework_project_and_compartment(mc, three, service):
    assert names(mc.list_models(created_by="alice", include_deleted=True)) == ["gamma", "alpha-churn"]
    assert names(mc.list_models(framework="scikit-learn")) == ["alpha-churn"]
    assert names(mc.list_models(project_id="p2")) == ["beta-fraud"]
    assert names(mc.list_models(compartment_id="c1", include_deleted=True)) == ["gamma", "alpha-churn"]
    # a catalog opened on a compartment lists that compartment only, as in ADS
    in_c2 = ModelCatalog(compartment_id="c2", backend=service)
    assert names(in_c2.list_models(include_deleted=True)) == ["beta-fraud"]
    assert names(in_c2.list_models(compartment_id="c1")) == ["alpha-churn"]


def test_created_after_and_before(mc, three):
    _, beta, _ = three
    assert names(mc.list_models(created_after=beta.time_created, state="ALL")) == ["gamma", "beta-fraud"]
    assert names(mc.list_models(created_before=beta.time_created)) == ["alpha-churn"]
    assert names(mc.list_models(created_after="2000-01-01", created_before="2000-01-02")) == []
    day = beta.time_created.date()  # a date: from the start of that day (UTC)
    assert set(names(mc.list_models(created_after=day))) == {"alpha-churn", "beta-fraud"}
    assert names(mc.list_models(created_before=day)) == []


def test_states(mc, three):
    assert names(mc.list_models()) == ["beta-fraud", "alpha-churn"]
    assert names(mc.list_models(lifecycle_state="INACTIVE")) == ["gamma"]
    assert names(mc.list_models(state="inactive")) == ["gamma"]
    assert len(mc.list_models(lifecycle_state="ALL")) == 3
    assert len(mc.list_models(include_deleted=True)) == 3
    with pytest.raises(InvalidInput, match="include_deleted must be True or False"):
        mc.list_models(include_deleted="no")


@pytest.mark.parametrize("state, why", [("DELETED", "deletes models outright"), ("FAILED", "FAILED"),
                                        ("deleted", "deletes models outright")])
def test_states_no_model_can_be_in(mc, three, state, why):
    with pytest.raises(InvalidInput, match=why) as err:
        mc.list_models(lifecycle_state=state)
    assert "'ACTIVE', 'INACTIVE' or 'ALL'" in str(err.value)


def test_sort_by_and_sort_order_ads_and_ours(mc, three):
    kw = {"state": "ALL"}
    assert names(mc.list_models(sort_by="displayName", **kw)) == ["alpha-churn", "beta-fraud", "gamma"]
    assert names(mc.list_models(sort_by="displayName", sort_order="DESC", **kw)) == ["gamma", "beta-fraud",
                                                                                      "alpha-churn"]
    assert names(mc.list_models(sort_by="timeCreated", **kw)) == ["gamma", "beta-fraud", "alpha-churn"]
    assert names(mc.list_models(sort_by="timeCreated", sort_order="ASC", **kw)) == ["alpha-churn", "beta-fraud",
                                                                                     "gamma"]
    assert names(mc.list_models(sort="name", order="desc", **kw)) == ["gamma", "beta-fraud", "alpha-churn"]
    assert names(mc.list_models(sort_by="name", **kw)) == ["alpha-churn", "beta-fraud", "gamma"]
    with pytest.raises(InvalidInput, match="timeCreated"):
        mc.list_models(sort_by="lifecycleState")
    with pytest.raises(InvalidInput, match="either sort_by or sort"):
        mc.list_models(sort_by="displayName", sort="version")


def test_limit(mc, three):
    assert names(mc.list_models(limit=1)) == ["beta-fraud"]
    assert len(mc.list_models(limit=5000)) == 2  # more than a page is fine
    for bad in (0, -1, "2", 1.5, True):
        with pytest.raises(InvalidInput, match="limit"):
            mc.list_models(limit=bad)


def test_id_is_an_exact_filter(mc, three):
    alpha, beta, gamma = three
    assert [m.id for m in mc.list_models(id=beta.id)] == [beta.id]
    assert len(mc.list_models(id=gamma.id)) == 0  # inactive: not listed by default
    assert [m.id for m in mc.list_models(id=gamma.id, include_deleted=True)] == [gamma.id]
    assert len(mc.list_models(id=beta.id, created_by="alice")) == 0  # the other filters still apply
    assert len(mc.list_models(id=beta.id, created_after=gamma.time_created)) == 0
    assert [m.id for m in mc.list_models(id=beta.id, created_before=gamma.time_created)] == [beta.id]
    assert len(mc.list_models(id="mdl-does-not-exist")) == 0
    with pytest.raises(InvalidInput, match="id"):
        mc.list_models(id=42)


@pytest.mark.parametrize("argument, value", [("page", "2"), ("model_version_set_name", "churn-set"),
                                             ("version_label", "v1")])
def test_ads_filters_without_a_counterpart_are_refused(mc, three, argument, value):
    with pytest.raises(NotImplementedError, match=argument):
        mc.list_models(**{argument: value})


def test_unknown_filters_are_refused(mc):
    with pytest.raises(InvalidInput, match="Unknown filter"):
        mc.list_models(colour="red")


def test_sort_by_version_across_pages(mc, artifact_dir, monkeypatch):
    import model_catalog_ext.api.catalog as api_catalog

    monkeypatch.setattr(api_catalog, "_PAGE", 2)
    art = artifact_dir()
    made = []  # in creation order, so later ones win ties
    m = mc.upload_model(art, display_name="m")
    n = mc.upload_model(art, display_name="n")
    made += [m, n]
    made.append(mc.upload_model(art, display_name="m", as_new_version_of=m.id))
    made.append(mc.upload_model(art, display_name="o"))
    made.append(mc.upload_model(art, display_name="n", as_new_version_of=n.id))
    made.append(mc.upload_model(art, display_name="m", as_new_version_of=m.id))
    rank = {x.id: (x.version, i) for i, x in enumerate(made)}
    newest_versions_first = sorted(rank, key=rank.get, reverse=True)
    assert [x.id for x in mc.list_models(sort="version")] == newest_versions_first
    assert [x.id for x in mc.list_models(sort="version", order="asc")] == newest_versions_first[::-1]
    assert [x.version for x in mc.list_models(sort="version", limit=3)] == [3, 2, 2]
