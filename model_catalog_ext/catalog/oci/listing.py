"""Listing an OCI compartment with our search grammar.

OCI filters natively on compartment, project and state (and sorts by ``timeCreated``),
paging with ``opc-next-page``; everything else is applied here after fetching: the name
(a case-insensitive substring; OCI's ``displayName`` is an exact match), tags, author
(our ``created_by`` lives in a hidden tag) and the time window from the summaries, the
text and framework from the full models ("slow" filters in the capabilities).

Sorted by time, pages follow OCI's own: our page token holds OCI's page token, the page
size asked of OCI and the offset in that page where our next page starts, so listing
thousands of models never fetches them all first.  Sorted by name (case-insensitively) or
version, which OCI cannot do, every match is fetched and sorted here, and the token holds
the last key served (keyset paging).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timezone

from .. import pagetoken
from ..query import ModelQuery
from ..records import datetime_to_us, name_key, normalize_framework
from .mapping import CREATED_BY_TAG

SHOWN_STATES = ("ACTIVE", "INACTIVE")
# Filters OCI answers itself; the rest are applied after fetching.
NATIVE = ("compartment_id", "project_id", "state")
OCI_PAGE = 1000

# (summaries of one OCI page, OCI's next page token) for (page token, limit, sort order).
PageFetcher = Callable[[str | None, int, str], tuple[list, str | None]]


def _time(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)


def summary_matches(s, q: ModelQuery) -> bool:
    """What a ``ModelSummary`` can decide (everything but text and framework)."""
    if s.lifecycle_state not in SHOWN_STATES or (q.state != "ALL" and s.lifecycle_state != q.state):
        return False
    name = s.display_name or ""
    if q.name and q.name.casefold() not in name.casefold():
        return False
    tags = s.freeform_tags or {}
    if q.created_by and (tags.get(CREATED_BY_TAG) or s.created_by) != q.created_by:
        return False
    if q.created_after or q.created_before:
        when = _time(s.time_created)
        if (q.created_after and when < q.created_after) or (q.created_before and when >= q.created_before):
            return False
    for tag in q.tags:
        if tag.key == CREATED_BY_TAG:
            return False
        value = tags.get(tag.key)
        if value is None or (tag.value is not None and not (value.startswith(tag.value) if tag.prefix
                                                            else value == tag.value)):
            return False
    return True


def needs_full_model(q: ModelQuery) -> bool:
    return bool(q.text or q.framework)


def entry_matches(e, q: ModelQuery) -> bool:
    """What only the full entry can decide: every word of the text, the framework."""
    for word in (q.text or "").split():
        if word.casefold() not in e.display_name.casefold() and word.casefold() not in e.description.casefold():
            return False
    if q.framework and normalize_framework(e.defined_metadata.get("Framework")) != normalize_framework(q.framework):
        return False
    return True


def is_plain(q: ModelQuery) -> bool:
    """True when OCI answers the whole query (no filter applied after fetching)."""
    return not (q.name or q.tags or q.created_by or q.created_after or q.created_before or q.text or q.framework
                or q.state == "ALL")


def list_by_time(q: ModelQuery, fetch_page: PageFetcher, matches: Callable[[object], bool]) -> tuple[list, str | None]:
    """One page of summaries sorted by time and the next page token (see module doc).
    ``matches(summary)`` applies the filters OCI does not."""
    order = "ASC" if q.order == "asc" else "DESC"
    if q.page_token:
        oci_token, oci_limit, offset = pagetoken.decode(q.page_token, q.fingerprint(), [str, int, int])
        if not 1 <= oci_limit <= OCI_PAGE or offset < 0:
            from ...errors import InvalidInput

            raise InvalidInput("The page token is not valid; start again from the first page, without it.")
    else:
        # A query OCI answers whole maps one page to one call; otherwise read big pages.
        oci_token, oci_limit, offset = "", (q.limit if is_plain(q) else OCI_PAGE), 0
    found: list = []
    while True:
        summaries, next_token = fetch_page(oci_token or None, oci_limit, order)
        for index in range(offset, len(summaries)):
            if len(found) == q.limit:
                return found, pagetoken.encode(q.fingerprint(), [oci_token, oci_limit, index])
            if matches(summaries[index]):
                found.append(summaries[index])
        if not next_token:
            return found, None
        if len(found) == q.limit:
            return found, pagetoken.encode(q.fingerprint(), [next_token, oci_limit, 0])
        oci_token, offset = next_token, 0


def sort_key(q: ModelQuery, s) -> list:
    """[name or version, creation time in microseconds] (the time breaks ties)."""
    when = datetime_to_us(_time(s.time_created))
    if q.sort == "name":
        return [name_key(s.display_name or ""), when]
    return [s.version_id or 1, when]


def list_sorted(q: ModelQuery, every: Iterator, matches: Callable[[object], bool]) -> tuple[list, str | None]:
    """One page sorted by name or version: every match is fetched, sorted, then cut."""
    rows = [s for s in every if matches(s)]
    keys = {s.id: sort_key(q, s) for s in rows}
    descending = q.order == "desc"
    rows.sort(key=lambda s: keys[s.id], reverse=descending)
    if q.page_token:
        kinds: list[type] = [str, int] if q.sort == "name" else [int, int]
        after = pagetoken.decode(q.page_token, q.fingerprint(), kinds)
        rows = [s for s in rows if (keys[s.id] < after if descending else keys[s.id] > after)]
    page = rows[:q.limit]
    token = pagetoken.encode(q.fingerprint(), keys[page[-1].id]) if len(rows) > q.limit else None
    return page, token
