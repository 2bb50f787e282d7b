"""Listings answered from memory (share_listings): the same page while nothing changed, and
never a page older than a write -- whichever process (a second service instance) made it."""
from __future__ import annotations

import threading

import pytest

from model_catalog_ext.catalog.listing_cache import MAX_CHANGES_CHECKED, ChangeLog, KeptPage, ListingCache, query_key
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


def test_a_page_read_under_an_older_counter_does_not_replace_a_newer_one():
    cache = ListingCache(4)
    key = query_key(ModelQuery().normalized())
    page, newer = Page([]), Page([])
    cache.put(key, KeptPage(newer, 8, frozenset()))
    cache.put(key, KeptPage(page, 7, frozenset()))  # read before that commit
    assert cache.get(key, 8) is newer and cache.get(key, 7) is None


def test_the_cache_keeps_at_most_its_size():
    cache = ListingCache(2)
    keys = [query_key(ModelQuery(name=f"n{i}").normalized()) for i in range(3)]
    for key in keys:
        cache.put(key, KeptPage(Page([]), 1, frozenset()))
    assert cache.get(keys[0], 1) is None
    assert cache.get(keys[1], 1) is not None and cache.get(keys[2], 1) is not None


def test_the_change_log_copy_extends_both_ways_and_refuses_long_spans():
    fetched: list[tuple[int, int]] = []
    log = {n: f"set-{n}" for n in range(1, 5000)}

    def fetch(after, up_to):
        fetched.append((after, up_to))
        return [(n, log[n]) for n in range(after + 1, up_to + 1)]

    changes = ChangeLog(fetch)
    assert changes.touched(10, 12) == {"set-11", "set-12"}
    assert changes.touched(11, 15) == {"set-12", "set-13", "set-14", "set-15"}
    assert changes.touched(8, 10) == {"set-9", "set-10"}
    assert changes.touched(12, 12) == set()
    assert fetched == [(10, 12), (12, 15), (8, 10)]  # each change read once
    assert changes.touched(1, 1 + MAX_CHANGES_CHECKED + 1) is None
    assert changes.touched(4000, 4002) == {"set-4001", "set-4002"}


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
        return KeptPage(Page([]), 1, frozenset())

    def never_checked(kept):
        raise AssertionError("nothing is kept yet")

    results: list = []
    first = threading.Thread(target=lambda: results.append(cache.get_or_read(key, 1, read, never_checked)))
    first.start()
    started.wait(10)
    others = [threading.Thread(target=lambda: results.append(cache.get_or_read(key, 1, read, never_checked)))
              for _ in range(3)]
    for thread in others:
        thread.start()
    release.set()
    for thread in [first, *others]:
        thread.join(10)
    assert len(reads) == 1 and len(results) == 4 and all(r is results[0] for r in results)

    # A failed check or read fails those who waited for it too, and the next caller tries again.
    def fail(*_):
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        cache.get_or_read(key, 2, fail, fail)
    again = cache.get_or_read(key, 2, lambda: KeptPage(Page([]), 2, frozenset()), lambda kept: None)
    assert again is not results[0]


def _counted(catalog):
    """The cache of the instance that caches: how many pages were checked and how many read."""
    pages = catalog.backend._pages
    return pages.checked, pages.misses


def test_a_save_that_does_not_concern_a_page_leaves_it_in_memory(two_instances, make_artifact):
    cached, other = two_instances
    other.save(make_artifact("a"), display_name="alpha", freeform_tags={"team": "x"})
    page = cached.list(tags=["team=x"], latest_only=True)
    other.save(make_artifact("b"), display_name="beta", freeform_tags={"team": "y"})
    checked, read = _counted(cached)
    assert cached.list(tags=["team=x"], latest_only=True) is page  # checked, not read again
    assert _counted(cached) == (checked + 1, read)
    # ... and a save it concerns is in the next listing.
    other.save(make_artifact("c"), display_name="gamma", freeform_tags={"team": "x"})
    assert [e.display_name for e in cached.list(tags=["team=x"], latest_only=True)] == ["gamma", "alpha"]


def test_deleting_a_newer_version_brings_back_the_older_one_it_hid(two_instances, make_artifact):
    cached, other = two_instances
    v1 = other.save(make_artifact("a"), display_name="model", freeform_tags={"team": "x"})
    v2 = other.save(make_artifact("b"), display_name="model", freeform_tags={"team": "y"}, as_new_version_of=v1.id)
    assert list(cached.list(tags=["team=x"], latest_only=True)) == []  # v2 hides v1, and v2 is not team=x
    other.delete(v2.id)
    assert [e.id for e in cached.list(tags=["team=x"], latest_only=True)] == [v1.id]


def test_a_row_after_the_page_decides_its_next_page_token(two_instances, make_artifact):
    cached, other = two_instances
    older = other.save(make_artifact("a"), display_name="older", freeform_tags={"team": "x"})
    other.save(make_artifact("b"), display_name="newer", freeform_tags={"team": "x"})
    first = cached.list(tags=["team=x"], limit=1)
    assert first.next_page_token is not None
    other.update(older.id, freeform_tags={"team": "z"})  # the row after the page leaves the query
    again = cached.list(tags=["team=x"], limit=1)
    assert [e.display_name for e in again] == ["newer"] and again.next_page_token is None


def test_a_page_with_a_total_is_read_again_after_any_change(two_instances, make_artifact):
    cached, other = two_instances
    other.save(make_artifact("a"), display_name="alpha", freeform_tags={"team": "x"})
    counted = cached.list(tags=["team=x"], count_total=True, limit=1)
    other.save(make_artifact("b"), display_name="beta", freeform_tags={"team": "x"})
    assert cached.list(tags=["team=x"], count_total=True, limit=1).total == counted.total + 1


def test_a_later_page_follows_changes_before_and_on_it(two_instances, make_artifact):
    cached, other = two_instances
    saved = [other.save(make_artifact(str(i)), display_name=f"m{i}", freeform_tags={"team": "x"}) for i in range(4)]
    first = cached.list(tags=["team=x"], limit=2)
    second = cached.list(tags=["team=x"], limit=2, page_token=first.next_page_token)
    assert [e.id for e in second] == [saved[1].id, saved[0].id]
    other.save(make_artifact("new"), display_name="new", freeform_tags={"team": "x"})  # lands on page one
    assert cached.list(tags=["team=x"], limit=2, page_token=first.next_page_token) is second
    other.update(saved[0].id, display_name="renamed")
    renamed = cached.list(tags=["team=x"], limit=2, page_token=first.next_page_token)
    assert [e.display_name for e in renamed] == ["m1", "renamed"]


def test_kept_pages_always_equal_a_fresh_listing_through_random_changes(two_instances, make_artifact):
    """Differential: after each of many random changes by another instance, every kept page
    (first and second pages, one row per model or every version, with and without the tag)
    equals what an instance without a cache lists."""
    import random

    cached, other = two_instances
    rng = random.Random(23)
    folder = make_artifact("a")
    queries = [dict(tags=["team=x"], latest_only=True, limit=3), dict(tags=["team=x"], limit=3),
               dict(latest_only=True, limit=4), dict(tags=["team=y"], latest_only=True, limit=2, state="ALL")]

    def pages(catalog, query):
        first = catalog.list(**query)
        shown = [[(e.id, e.etag) for e in first], first.next_page_token, sorted(first.version_counts.items())]
        if first.next_page_token:
            second = catalog.list(**query, page_token=first.next_page_token)
            shown.append([(e.id, e.etag) for e in second])
        return shown

    for step in range(60):
        entries = other.list(state="ALL", limit=100).items
        action = rng.choice(["save", "version", "retag", "state", "delete"] if entries else ["save"])
        target = rng.choice(entries) if entries else None
        tags = {"team": rng.choice("xyz")}
        if action == "save":
            other.save(folder, display_name=f"m{step}", freeform_tags=tags)
        elif action == "version":
            other.save(folder, display_name=target.display_name, freeform_tags=tags, as_new_version_of=target.id)
        elif action == "retag":
            other.update(target.id, freeform_tags=tags)
        elif action == "state":
            (other.activate if target.lifecycle_state == "INACTIVE" else other.deactivate)(target.id)
        else:
            other.delete(target.id)
        for query in queries:
            assert pages(cached, query) == pages(other, query), (step, action, query)
    checked, read = _counted(cached)
    assert checked > 0 and read > 0  # both ways were taken


def test_no_pages_kept_turns_it_off(open_same_sql_catalog, make_artifact):
    """``listing_cache_pages = 0``: every listing is read from the database."""
    catalog = open_same_sql_catalog()
    try:
        catalog.share_listings(16)
        catalog.share_listings(0)
        catalog.save(make_artifact("a"), display_name="alpha")
        assert catalog.list() is not catalog.list()
        assert catalog.backend._pages is None
    finally:
        catalog.close()
