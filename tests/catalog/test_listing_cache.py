"""Listings answered from memory (share_listings): the same page while nothing changed, and
never a page older than a write -- whichever process (a second service instance) made it."""
from __future__ import annotations

import threading

import pytest

from model_catalog_ext.catalog.listing_cache import ListingCache, query_key
from model_catalog_ext.catalog.query import AccessScope, ModelQuery, Page
from model_catalog_ext.catalog.tables import catalog_changes


@pytest.fixture
def two_instances(open_same_sql_catalog):
    """(the instance that caches its listings, another instance on the same catalog)."""
    cached, other = open_same_sql_catalog(), open_same_sql_catalog()
    cached.share_listings(16)
    yield cached, other
    cached.close()
    other.close()


def _changes(catalog) -> int:
    with catalog.backend.engine.connect() as conn:
        return sum(row.changes for row in conn.execute(catalog_changes.select()))


def test_a_repeated_listing_of_an_unchanged_catalog_is_the_same_page(two_instances, make_artifact):
    cached, _ = two_instances
    cached.save(make_artifact("a"), display_name="alpha", freeform_tags={"team": "x"})
    first = cached.list(tags=["team=x"], latest_only=True)
    assert cached.list(tags=["team=x"], latest_only=True) is first
    assert [e.display_name for e in first] == ["alpha"]
    # Another question is another page.
    assert cached.list(tags=["team=y"], latest_only=True) is not first


@pytest.mark.parametrize("change", ["save", "new version", "edit", "deactivate", "delete"])
def test_every_write_by_another_instance_is_seen_at_once(two_instances, make_artifact, change):
    cached, other = two_instances
    base = other.save(make_artifact("a"), display_name="alpha", freeform_tags={"team": "x"})
    before = cached.list(tags=["team=x"], latest_only=True)
    assert [e.id for e in before] == [base.id]
    counter = _changes(other)
    if change == "save":
        other.save(make_artifact("b"), display_name="beta", freeform_tags={"team": "x"})
        expected = {"beta", "alpha"}
    elif change == "new version":
        other.save(make_artifact("b"), display_name="alpha", freeform_tags={"team": "x"}, as_new_version_of=base.id)
        expected = {"alpha"}
    elif change == "edit":
        other.update(base.id, display_name="alpha renamed")
        expected = {"alpha renamed"}
    elif change == "deactivate":
        other.deactivate(base.id)
        expected = set()
    else:
        other.delete(base.id)
        expected = set()
    assert _changes(other) == counter + 1  # each write raises the counter exactly once
    after = cached.list(tags=["team=x"], latest_only=True)
    assert after is not before
    assert {e.display_name for e in after} == expected
    if change == "new version":
        assert [e.version for e in after] == [2] and after.version_counts == {after.items[0].id: 2}


def test_a_failed_write_leaves_the_counter_and_the_pages_alone(two_instances, make_artifact):
    cached, other = two_instances
    entry = other.save(make_artifact("a"), display_name="alpha")
    page = cached.list()
    counter = _changes(other)
    with pytest.raises(Exception, match="changed"):
        other.update(entry.id, description="late edit", etag="not-the-current-etag")
    assert _changes(other) == counter
    assert cached.list() is page


def test_callers_with_different_rights_never_share_a_page(two_instances, make_artifact):
    cached, other = two_instances
    other.save(make_artifact("a"), display_name="in a", compartment_id="ocid1.compartment.oc1..a")
    other.save(make_artifact("b"), display_name="in b", compartment_id="ocid1.compartment.oc1..b")
    a = cached.list(ModelQuery(scope=AccessScope(frozenset({"ocid1.compartment.oc1..a"}))))
    b = cached.list(ModelQuery(scope=AccessScope(frozenset({"ocid1.compartment.oc1..b"}))))
    assert [e.display_name for e in a] == ["in a"]
    assert [e.display_name for e in b] == ["in b"]
    assert cached.list(ModelQuery(scope=AccessScope(frozenset({"ocid1.compartment.oc1..a"})))) is a


def test_listings_while_another_instance_saves_never_lose_a_committed_model(two_instances, make_artifact):
    """A reader that lists after each save returns must see that save, however the reads and
    writes of other threads interleave with the cache."""
    cached, other = two_instances
    folder = make_artifact("a")
    stop = threading.Event()
    errors: list[str] = []

    def keep_listing():
        while not stop.is_set():
            cached.list(tags=["team=x"], latest_only=True)

    readers = [threading.Thread(target=keep_listing) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for i in range(15):
            saved = other.save(folder, display_name=f"model {i}", freeform_tags={"team": "x"})
            listed = [e.id for e in cached.list(tags=["team=x"], latest_only=True, limit=100)]
            if saved.id not in listed:
                errors.append(f"save {i} missing from the listing after it returned")
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert errors == []


def test_a_page_read_under_an_older_counter_is_not_kept():
    cache = ListingCache(4)
    key = query_key(ModelQuery().normalized())
    page, newer = Page([]), Page([])
    assert cache.get(key, 7) is None
    cache.put(key, 8, newer)  # another thread already saw counter 8
    cache.put(key, 7, page)  # read before that commit: must not replace it
    assert cache.get(key, 8) is newer
    assert cache.get(key, 7) is None
    # A newer counter drops everything kept.
    assert cache.get(key, 9) is None and cache.get(key, 8) is None


def test_the_cache_keeps_at_most_its_size():
    cache = ListingCache(2)
    keys = [query_key(ModelQuery(name=f"n{i}").normalized()) for i in range(3)]
    for key in keys:
        cache.put(key, 1, Page([]))
    assert cache.get(keys[0], 1) is None
    assert cache.get(keys[1], 1) is not None and cache.get(keys[2], 1) is not None


def test_the_scope_key_does_not_depend_on_set_order():
    one = AccessScope(frozenset({None, "c1", "c2"}), frozenset({("c1", "p1"), (None, "p2")}))
    two = AccessScope(frozenset({"c2", None, "c1"}), frozenset({(None, "p2"), ("c1", "p1")}))
    assert query_key(ModelQuery(scope=one).normalized()) == query_key(ModelQuery(scope=two).normalized())
    assert query_key(ModelQuery(scope=one).normalized()) != query_key(ModelQuery().normalized())


def test_callers_asking_at_once_share_one_read():
    cache = ListingCache(4)
    key = query_key(ModelQuery().normalized())
    started, release, reads = threading.Event(), threading.Event(), []

    def read():
        reads.append(1)
        started.set()
        release.wait(10)
        return Page([])

    results: list = []
    first = threading.Thread(target=lambda: results.append(cache.get_or_read(key, 1, read)))
    first.start()
    started.wait(10)
    others = [threading.Thread(target=lambda: results.append(cache.get_or_read(key, 1, read))) for _ in range(3)]
    for thread in others:
        thread.start()
    release.set()
    for thread in [first, *others]:
        thread.join(10)
    assert len(reads) == 1 and len(results) == 4 and all(r is results[0] for r in results)
    # A failed read fails those who waited for it too, and the next caller reads again.
    def fail():
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        cache.get_or_read(key, 2, fail)
    assert cache.get_or_read(key, 2, lambda: Page([])) is not None
