"""``ModelQuery`` (what to list), ``TagFilter`` and ``Page`` (what comes back)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from ..errors import InvalidInput
from .entry import ModelEntry
from .validation import MAX_TAGS, check_tag_key

STATES = ("ACTIVE", "INACTIVE", "ALL")
SORTS = ("time_created", "time_updated", "name", "version")
ORDERS = ("asc", "desc")
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000


@dataclass(frozen=True)
class TagFilter:
    """Match freeform tag ``key``: any value (value None), exactly ``value``, or values
    starting with ``value`` when ``prefix`` is true."""

    key: str
    value: str | None = None
    prefix: bool = False


@dataclass(frozen=True)
class AccessScope:
    """The part of a catalog a caller may read: entries in one of ``compartments`` (``None``
    stands for entries saved without a compartment), or in one of ``projects``, each a
    ``(compartment_id, project_id)`` pair.  A catalog service's access policy sets it on the
    queries it runs for a caller; backends filter on it in their own query, so pages and totals
    count only what the caller may read."""

    compartments: frozenset[str | None] = frozenset()
    projects: frozenset[tuple[str | None, str]] = frozenset()

    def admits(self, compartment_id: str | None, project_id: str | None) -> bool:
        """Whether an entry in this compartment and project is inside the scope."""
        return compartment_id in self.compartments or (compartment_id, project_id) in self.projects


@dataclass
class ModelQuery:
    """A listing request; every field narrows the result (AND)."""

    text: str | None = None
    name: str | None = None
    tags: list[TagFilter] = field(default_factory=list)
    created_by: str | None = None
    state: str = "ACTIVE"
    framework: str | None = None
    compartment_id: str | None = None
    project_id: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    sort: str = "time_created"
    order: str | None = None
    limit: int = DEFAULT_LIMIT
    page_token: str | None = None
    # One row per model: only the newest version of each version set (among the versions
    # the state filter admits), and each row's number of versions (Page.version_counts).
    latest_only: bool = False
    # Also count every match (Page.total); costs one more query, so only when asked.
    count_total: bool = False
    # Only entries inside this scope (None: anywhere): what a catalog service's access policy
    # lets the caller read.  Never a client's filter: the service sets it.
    scope: AccessScope | None = None

    @classmethod
    def from_filters(cls, **filters: Any) -> ModelQuery:
        """Build from keyword filters, refusing unknown names (a typo must not widen a query)."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(filters) - names)
        if unknown:
            raise InvalidInput(
                f"Unknown filter {', '.join(unknown)}; known filters: {', '.join(sorted(names))}."
            )
        return cls(**filters).normalized()

    def normalized(self) -> ModelQuery:
        """A validated copy with defaults filled in (order, tz-aware times, tag objects)."""
        q = dataclasses.replace(self)
        q.state = (q.state or "ACTIVE").upper()
        if q.state not in STATES:
            raise InvalidInput(f"Unknown state '{self.state}'; use one of {', '.join(STATES)}.")
        if q.sort not in SORTS:
            raise InvalidInput(f"Unknown sort '{q.sort}'; use one of {', '.join(SORTS)}.")
        if q.order is None:
            q.order = "asc" if q.sort == "name" else "desc"  # names A-Z; times and versions newest first
        q.order = q.order.lower()
        if q.order not in ORDERS:
            raise InvalidInput(f"Unknown order '{self.order}'; use asc or desc.")
        try:
            q.limit = int(q.limit)
        except (TypeError, ValueError):
            raise InvalidInput(f"limit must be a whole number, not {self.limit!r}.") from None
        if not 1 <= q.limit <= MAX_LIMIT:
            raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}; got {q.limit}.")
        q.tags = as_tag_filters(q.tags)
        for name in ("latest_only", "count_total"):
            setattr(q, name, _as_flag(name, getattr(q, name)))
        for name in ("text", "name", "created_by", "framework", "compartment_id", "project_id"):
            value = getattr(q, name)
            if value is not None and not isinstance(value, str):
                raise InvalidInput(f"The {name} filter must be text, not {type(value).__name__}.")
            if isinstance(value, str) and not value.strip():
                setattr(q, name, None)  # an empty search box means "no filter"
        for name in ("created_after", "created_before"):
            setattr(q, name, _as_utc(name, getattr(q, name)))
        if q.scope is not None and not isinstance(q.scope, AccessScope):
            raise InvalidInput(f"scope must be an AccessScope, not {type(q.scope).__name__}.")
        return q

    def fingerprint(self) -> list:
        """What a page token is bound to: every field except limit and page_token."""
        data = dataclasses.asdict(self)
        data.pop("limit")
        data.pop("page_token")
        data.pop("count_total")  # counting does not change which rows come next
        data.pop("scope")  # the caller's rights, not their question: a policy change keeps paging
        data["tags"] = [[t.key, t.value, t.prefix] for t in self.tags]
        for name in ("created_after", "created_before"):
            if data[name] is not None:
                data[name] = data[name].isoformat()
        return sorted(data.items())


def as_tag_filters(tags: Any) -> list[TagFilter]:
    """Tag filters from one tag ("version:3"), a list of them, or a dict ({"version": "3"})."""
    if not tags:
        return []
    if isinstance(tags, (str, TagFilter)):  # one tag given on its own, e.g. "version:3"
        tags = [tags]
    elif isinstance(tags, dict):  # {"version": "3"}, as freeform_tags are written; None: any value
        for key, value in tags.items():
            if value is not None and not isinstance(value, str):
                raise InvalidInput(f"Tag filter {key!r}: the value must be text (or None for any value), "
                                   f"not {type(value).__name__}.")
        tags = [TagFilter(key, value) for key, value in tags.items()]
    elif not isinstance(tags, (list, tuple, set, frozenset)):
        raise InvalidInput(f"tags must be a tag such as 'version:3', a list of them or a dict such as "
                           f"{{'version': '3'}}, not {type(tags).__name__}.")
    filters = [_as_tag_filter(t) for t in tags]
    # Every filter must hold at once, and a model has at most MAX_TAGS tags (one value each).
    if len(filters) > MAX_TAGS:
        raise InvalidInput(f"{len(filters)} tag filters: at most {MAX_TAGS} (a model has at most {MAX_TAGS} tags, "
                           "and every filter must match one). Filter on fewer tags.")
    return filters


def _as_tag_filter(value: Any) -> TagFilter:
    if isinstance(value, TagFilter):
        tag = value
    elif isinstance(value, str):
        from .search import parse_tag_filter

        tag = parse_tag_filter(value)
    elif isinstance(value, (tuple, list)) and 1 <= len(value) <= 3:
        tag = TagFilter(*value)
    else:
        raise InvalidInput(f"Cannot read {value!r} as a tag filter; write key:value, key:prefix* or key.")
    check_tag_key(tag.key)
    return tag


def _as_flag(name: str, value: Any) -> bool:
    """A yes/no option, also as the text a query string carries ("true", "1", "no", ...)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "false", "0", "no", ""):
        return value.strip().lower() in ("true", "1", "yes")
    raise InvalidInput(f"{name} must be true or false, not {value!r}.")


def _as_utc(name: str, value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidInput(f"{name} must be an ISO date such as 2024-05-01 or 2024-05-01T12:00; got '{value}'.") from None
    if isinstance(value, date) and not isinstance(value, datetime):  # a day: from its start, UTC
        value = datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if not isinstance(value, datetime):
        raise InvalidInput(f"{name} must be a datetime, a date or an ISO date string.")
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:  # 0001-01-01T00:00+05:00 is in year 0, 9999-12-31T23:00-05:00 in 10000
        raise InvalidInput(f"{name} {value.isoformat()} is outside the years 1 to 9999 once converted to UTC; "
                           "pick a date within them.") from None


@dataclass
class Page:
    """One page of a listing: the entries and the token for the next page (None at the end)."""

    items: list[ModelEntry]
    next_page_token: str | None = None
    # With ModelQuery.count_total: how many entries match in all (every page together).
    total: int | None = None
    # With ModelQuery.latest_only: how many versions each listed model has (by entry id).
    version_counts: dict[str, int] = field(default_factory=dict)
    # What a door made of this page (its JSON), kept with it: a page that is shared
    # (CatalogBackend.share_listings) is then serialized once, however often it is served.
    rendered: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
