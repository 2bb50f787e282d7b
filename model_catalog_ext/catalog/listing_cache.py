"""Pages of listings kept in memory, and how each is known to be still right.

Many people list the same pages (everyone's side panel opens on the same first page, and
refreshes it): a catalog service answers those from memory instead of asking the database
again.  Every write transaction, as its last step, raises the ``catalog_changes`` counter
and logs which version sets it touched (migration 0010); the counter's row lock makes the
numbers follow the commits.  A listing reads the counter first:

- the same number as when its page was read: nothing was committed since, the page is
  what its own query would find;
- a higher one: the changes in between are read from the log (they are all committed).  The
  page is still right if none touched a version set the page shows (or the row after it,
  which decides whether there is a next page) and the query finds nothing among the
  touched version sets now (nothing new entered, nothing hidden came back).  That check is
  made in one snapshot with the counter it is checked up to; else the page is read anew.

Why that is enough: a row outside the touched version sets is as it was, so the rows the
query matches now are the old matches minus touched ones plus touched ones that match
now; with none of the latter and none of the page's among the former, the page's rows are
still the first matches after its position, in the same order, with the same counts.  So a
caller never gets a page older than the last change it made, whichever instance took it,
and saves that do not concern a page (other people's models, under other tags) leave it in
memory.  Callers asking for the same page at once wait for one read of it.  The pages are
shared between callers, who must not change them: only the catalog's REST handlers, which
serialize them, ask for this (``share_listings``).
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from .query import ModelQuery, Page

# A page older than this many changes is read anew rather than checked against all of them.
MAX_CHANGES_CHECKED = 2000


def query_key(query: ModelQuery) -> tuple:
    """Everything that decides a page's rows, as a hashable value (the scope included: two
    callers with different rights never share a page)."""
    scope = None
    if query.scope is not None:
        scope = (tuple(sorted(query.scope.compartments, key=lambda c: (c is not None, c or ""))),
                 tuple(sorted(query.scope.projects, key=lambda p: (p[0] is not None, p[0] or "", p[1]))))
    return (json.dumps(query.fingerprint(), default=str), query.limit, query.page_token, query.count_total, scope)


@dataclass
class KeptPage:
    """A page, the counter value it is right for, and the version sets it depends on."""

    page: Page
    generation: int
    version_sets: frozenset[str]


# read() -> a page read anew, with the counter value it was read under (or later).
Reader = Callable[[], KeptPage]
# still_good(kept) -> the counter value up to which ``kept`` is checked and right, or None.
Checker = Callable[[KeptPage], "int | None"]


class ListingCache:
    """At most ``size`` pages (the least recently used go first)."""

    def __init__(self, size: int):
        self.size = size
        self._pages: OrderedDict[tuple, KeptPage] = OrderedDict()
        self._lock = threading.Lock()
        self._reading: dict[tuple, _Reading] = {}  # (key, counter) -> the read under way
        self.hits = 0
        self.checked = 0
        self.misses = 0

    def get(self, key: tuple, generation: int) -> Page | None:
        """The page kept for ``key`` if it was read under exactly ``generation``."""
        with self._lock:
            kept = self._pages.get(key)
            return kept.page if kept is not None and kept.generation == generation else None

    def get_or_read(self, key: tuple, generation: int, read: Reader, still_good: Checker) -> Page:
        """The page for ``key`` right at counter ``generation`` (or later): kept, kept and
        checked, or read -- one caller at a time per page and counter value; the others
        asking meanwhile get its page (or its error)."""
        with self._lock:
            kept = self._pages.get(key)
            if kept is not None and kept.generation >= generation:
                self._pages.move_to_end(key)
                self.hits += 1
                return kept.page
            flight = self._reading.get((key, generation))
            leader = flight is None
            if leader:
                flight = self._reading[(key, generation)] = _Reading()
        assert flight is not None
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            assert flight.page is not None
            return flight.page
        try:
            checked_up_to = still_good(kept) if kept is not None else None
            if checked_up_to is not None and checked_up_to >= generation:
                assert kept is not None
                self.checked += 1
                fresh = KeptPage(kept.page, checked_up_to, kept.version_sets)
            else:
                self.misses += 1
                fresh = read()
            self.put(key, fresh)
            flight.page = fresh.page
            return fresh.page
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                del self._reading[(key, generation)]
            flight.done.set()

    def put(self, key: tuple, kept: KeptPage) -> None:
        with self._lock:
            old = self._pages.get(key)
            if old is not None and old.generation > kept.generation:
                return  # a newer page is already kept
            self._pages[key] = kept
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


class ChangeLog:
    """The version sets touched by each numbered change, as read from the database's log (a
    committed entry never changes, so the recent ones are kept here and extended)."""

    def __init__(self, fetch: Callable[[int, int], list[tuple[int, str]]]):
        self._fetch = fetch  # (after, up_to) -> [(change_no, version_set_id), ...]
        self._lock = threading.Lock()
        self._touched: dict[int, set[str]] = {}
        self._after = self._up_to = 0  # the changes after < n <= up_to are all in _touched

    def touched(self, after: int, up_to: int) -> set[str] | None:
        """The version sets changes ``after < n <= up_to`` touched (None: too many to check)."""
        if up_to - after > MAX_CHANGES_CHECKED:
            return None
        with self._lock:
            if self._after == self._up_to or up_to < self._after or after > self._up_to:
                self._load(after, up_to, fresh=True)  # nothing kept, or no overlap
            if after < self._after:
                self._load(after, self._after)
            if up_to > self._up_to:
                self._load(self._up_to, up_to)
            if self._up_to - self._after > 2 * MAX_CHANGES_CHECKED:  # forget the oldest
                self._after = self._up_to - MAX_CHANGES_CHECKED
                self._touched = {n: sets for n, sets in self._touched.items() if n > self._after}
            found: set[str] = set()
            for n in range(after + 1, up_to + 1):
                found |= self._touched.get(n, set())
            return found

    def _load(self, after: int, up_to: int, fresh: bool = False) -> None:
        if fresh:
            self._touched, self._after, self._up_to = {}, after, after
        for change_no, version_set_id in self._fetch(after, up_to):
            self._touched.setdefault(change_no, set()).add(version_set_id)
        self._after, self._up_to = min(self._after, after), max(self._up_to, up_to)


class _Reading:
    """A page being read, awaited by those who asked for it meanwhile."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.page: Page | None = None
        self.error: BaseException | None = None
