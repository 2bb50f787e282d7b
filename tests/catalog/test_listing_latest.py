"""One row per model (``latest_only``), the total count (``count_total``) and the sort by
last update, on every backend (SQLite + files, PostgreSQL + S3)."""
from __future__ import annotations

import time

import pytest

from model_catalog_ext.catalog import ModelQuery
from model_catalog_ext.errors import InvalidInput, Unsupported


@pytest.fixture
def three_models(catalog, make_artifact):
    """churn v1..v3 (v3 inactive), fraud v1, price v1..v2; saved in that order."""
    capabilities = catalog.capabilities()
    if not (capabilities.latest_only and capabilities.count_total and "time_updated" in capabilities.sorts):
        pytest.skip("this backend says it cannot list one row per model, count, or sort by update")
    churn = [catalog.save(make_artifact(), display_name="churn", freeform_tags={"team": "ml"})]
    for _ in range(2):
        churn.append(catalog.save(make_artifact(), display_name="churn", freeform_tags={"team": "ml"},
                                  as_new_version_of=churn[0].id))
    fraud = catalog.save(make_artifact(), display_name="fraud", freeform_tags={"team": "risk"})
    price = [catalog.save(make_artifact(), display_name="price", freeform_tags={"team": "ml"})]
    price.append(catalog.save(make_artifact(), display_name="price", freeform_tags={"team": "ml"},
                              as_new_version_of=price[0].id))
    catalog.deactivate(churn[2].id)
    return churn, fraud, price


def test_latest_only_lists_each_model_once_with_its_version_count(catalog, three_models):
    churn, fraud, price = three_models
    page = catalog.list(latest_only=True, count_total=True)
    # Active versions only: churn's newest active one is v2.
    assert [(e.display_name, e.version) for e in page.items] == [("price", 2), ("fraud", 1), ("churn", 2)]
    assert page.version_counts == {price[1].id: 2, fraud.id: 1, churn[1].id: 3}
    assert page.total == 3

    every_state = catalog.list(latest_only=True, state="ALL", sort="name")
    assert [(e.display_name, e.version) for e in every_state.items] == [("churn", 3), ("fraud", 1), ("price", 2)]


def test_without_latest_only_every_version_is_a_row(catalog, three_models):
    page = catalog.list(count_total=True)
    assert len(page.items) == 5 and page.total == 5 and page.version_counts == {}
    assert catalog.list().total is None  # counting only when asked


def test_latest_only_pages_and_counts_with_filters(catalog, three_models):
    seen, token = [], None
    while True:
        page = catalog.list(latest_only=True, state="ALL", limit=1, page_token=token, count_total=True)
        seen += [(e.display_name, e.version) for e in page.items]
        assert page.total == 3
        token = page.next_page_token
        if token is None:
            break
    assert seen == [("price", 2), ("fraud", 1), ("churn", 3)]
    ml = catalog.list(latest_only=True, tags=["team:ml"], count_total=True)
    assert [e.display_name for e in ml.items] == ["price", "churn"] and ml.total == 2
    by_text = catalog.list(ModelQuery(text="churn", latest_only=True, count_total=True))
    assert [(e.display_name, e.version) for e in by_text.items] == [("churn", 2)] and by_text.total == 1


def test_sort_by_last_update(catalog, three_models):
    churn, fraud, price = three_models
    time.sleep(0.002)
    catalog.update(fraud.id, description="edited last")
    page = catalog.list(sort="time_updated", latest_only=True)
    assert page.items[0].id == fraud.id
    oldest_first = catalog.list(sort="time_updated", order="asc", latest_only=True)
    assert oldest_first.items[-1].id == fraud.id
    # pages of the update-time sort follow on from each other
    first = catalog.list(sort="time_updated", limit=2)
    second = catalog.list(sort="time_updated", limit=2, page_token=first.next_page_token)
    assert not {e.id for e in first.items} & {e.id for e in second.items}


def test_flags_refuse_what_is_not_a_yes_or_no(catalog):
    if catalog.capabilities().latest_only:
        assert catalog.list(latest_only="true").items == []
    else:
        with pytest.raises(Unsupported, match="one row per model"):
            catalog.list(latest_only="true")
    with pytest.raises(InvalidInput, match="latest_only must be true or false"):
        catalog.list(latest_only="maybe")
