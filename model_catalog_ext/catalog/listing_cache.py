"""Pages of listings kept in memory, valid while the catalog's change counter stands still.

Many people list the same pages (everyone's side panel opens on the same first page, and
refreshes it): a catalog service answers those from memory instead of asking the database
again.  Whether a kept page is still right is decided by the ``catalog_changes`` counter
(the sum of its rows), which every write transaction raises by one as its last statement
(migration 0009):

- a listing reads the counter first, then (on a miss) the page, in a later snapshot, so a
  page kept under counter value G holds at least everything committed when G was read;
- a reader who finds the counter still at G knows nothing was committed since, so the page
  is what its own query would find; after any commit (on any instance of the service, or
  any other process on the database) the counter differs and the page is read afresh.

So a caller never sees a page older than its own last write, whichever instance took the
write.  Pages of an older counter can never match again and are dropped as soon as a
newer one is seen.  Callers asking for the same page at once after a change wait for the
first one's read instead of each asking the database (the same counter, the same page).
The pages are shared between callers, who must not change them: only the
catalog's REST handlers, which serialize them, ask for this (``share_listings``).
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable

from .query import ModelQuery, Page


def query_key(query: ModelQuery) -> tuple:
    """Everything that decides a page's rows, as a hashable value (the scope included: two
    callers with different rights never share a page)."""
    scope = None
    if query.scope is not None:
        scope = (tuple(sorted(query.scope.compartments, key=lambda c: (c is not None, c or ""))),
                 tuple(sorted(query.scope.projects, key=lambda p: (p[0] is not None, p[0] or "", p[1]))))
    return (json.dumps(query.fingerprint(), default=str), query.limit, query.page_token, query.count_total, scope)


class ListingCache:
    """At most ``size`` pages (least recently used go first), all of one counter value."""

    def __init__(self, size: int):
        self.size = size
        self.generation: int | None = None
        self._pages: OrderedDict[tuple, Page] = OrderedDict()
        self._lock = threading.Lock()
        self._reading: dict[tuple, _Reading] = {}  # (key, counter) -> the read under way
        self.hits = 0
        self.misses = 0

    def _advance(self, generation: int) -> bool:
        """Move to ``generation`` if it is newer (dropping every page); whether it is current."""
        if self.generation is None or generation > self.generation:
            self.generation = generation
            self._pages.clear()
        return generation == self.generation

    def get(self, key: tuple, generation: int) -> Page | None:
        with self._lock:
            page = self._pages.get(key) if self._advance(generation) else None
            if page is None:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return page

    def get_or_read(self, key: tuple, generation: int, read: Callable[[], Page]) -> Page:
        """The kept page, or ``read()``'s -- called by one caller at a time per page and
        counter value; the others asking meanwhile get its page (or its error)."""
        with self._lock:
            page = self._pages.get(key) if self._advance(generation) else None
            if page is not None:
                self._pages.move_to_end(key)
                self.hits += 1
                return page
            self.misses += 1
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
            flight.page = read()
            self.put(key, generation, flight.page)
            return flight.page
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                del self._reading[(key, generation)]
            flight.done.set()

    def put(self, key: tuple, generation: int, page: Page) -> None:
        with self._lock:
            # A page read under an older counter than one already seen may miss a commit.
            if not self._advance(generation):
                return
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


class _Reading:
    """A page being read from the database, awaited by those who asked for it meanwhile."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.page: Page | None = None
        self.error: BaseException | None = None
