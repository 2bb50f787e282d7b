"""``ModelQuery.scope`` (what a catalog service's access policy lets a caller read) narrows the
listing in the backend's own query: pages, totals, version counts and ``latest_only`` count
only the entries inside the scope."""
from __future__ import annotations

import pytest

from model_catalog_ext.catalog.query import AccessScope


def test_a_scope_narrows_pages_and_totals(scopable_catalog, make_artifact):
    art = make_artifact()
    ids = {}
    for compartment in ("research", "finance", None):
        for i in range(3):
            ids.setdefault(compartment, []).append(
                scopable_catalog.save(art, display_name=f"{compartment}-{i}", compartment_id=compartment).id)
    scopable_catalog.save(art, display_name="in-project", compartment_id="finance", project_id="proj-open")
    scope = AccessScope(compartments=frozenset({"research", None}), projects=frozenset({("finance", "proj-open")}))
    first = scopable_catalog.list(scope=scope, limit=4, count_total=True)
    assert first.total == 7 and len(first.items) == 4 and first.next_page_token
    rest = scopable_catalog.list(scope=scope, limit=4, page_token=first.next_page_token)
    seen = [e.display_name for e in first.items + rest.items]
    assert sorted(seen) == sorted([f"research-{i}" for i in range(3)] + [f"None-{i}" for i in range(3)]
                                  + ["in-project"])
    assert rest.next_page_token is None
    # An explicit compartment filter only narrows the scope further; an empty scope sees nothing.
    assert scopable_catalog.list(scope=scope, compartment_id="finance", count_total=True).total == 1
    assert scopable_catalog.list(scope=AccessScope(), count_total=True).total == 0
    assert scopable_catalog.list(count_total=True).total == 10


def test_a_newer_version_outside_the_scope_does_not_hide_the_one_inside(scopable_catalog, make_artifact):
    art = make_artifact()
    first = scopable_catalog.save(art, display_name="moved", compartment_id="research")
    scopable_catalog.save(art, display_name="moved", compartment_id="finance", as_new_version_of=first.id)
    scope = AccessScope(compartments=frozenset({"research"}))
    page = scopable_catalog.list(scope=scope, latest_only=True, count_total=True)
    assert [e.id for e in page.items] == [first.id] and page.total == 1
    assert page.version_counts == {first.id: 1}  # the version it may not read is not counted


def test_a_backend_that_cannot_filter_by_scope_refuses_one_rather_than_ignore_it(catalog_service, monkeypatch):
    from model_catalog_ext.catalog import open_catalog
    from model_catalog_ext.errors import Unsupported

    monkeypatch.setenv("MODEL_CATALOG_TOKEN", catalog_service.token)
    client = open_catalog(catalog_service.url)  # the service's client backend sends no scope
    with pytest.raises(Unsupported, match="access scope"):
        client.list(scope=AccessScope())
    assert client.list().items == []
