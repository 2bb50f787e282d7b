"""Listing rows built from OCI's ``ModelSummary``, completed only when a detail is read.

``list_models`` answers summaries: id, name, compartment, project, state, creation time,
tags, version set and version.  Everything else of an entry (description, metadata,
schemas, provenance, manifest, etag) needs one ``get_model`` per model, which made a page
of 50 cost 51 calls.  A :class:`SummaryEntry` is a full :class:`ModelEntry` to its reader,
but holds only the summary's fields until one of the others is read; then the details of
every row of its page that still lacks them are fetched at once, a few in parallel (a table
showing descriptions pays for its page once, not row by row).
"""
from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

from ..entry import ModelEntry
from .mapping import CREATED_BY_TAG, utc

# What a ModelSummary gives; every other field of ModelEntry is a detail.
SUMMARY_FIELDS = ("id", "display_name", "compartment_id", "project_id", "created_by", "time_created",
                  "lifecycle_state", "freeform_tags", "version_set_id", "version")
DETAIL_FIELDS = tuple(f.name for f in dataclasses.fields(ModelEntry) if f.name not in SUMMARY_FIELDS)

# Fetch the full entries of these ids (those gone meanwhile are left out of the answer).
DetailFetcher = Callable[[list], dict]


class PageDetails:
    """The rows of one listing page, whose details are fetched together on first need."""

    def __init__(self, fetch: DetailFetcher):
        self._fetch = fetch
        self._rows: list[SummaryEntry] = []
        self._lock = threading.Lock()

    def add(self, row: SummaryEntry) -> None:
        self._rows.append(row)

    def complete(self) -> None:
        with self._lock:
            missing = [row for row in self._rows if not row._complete]
            if not missing:
                return
            full = self._fetch([row.id for row in missing])
            for row in missing:
                row._fill(full.get(row.id))


class _Detail:
    """A field read from the full model on first access (a data descriptor, so the dataclass
    machinery that sets and reads fields goes through it)."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, row, owner=None):
        if row is None:
            return self
        values = row.__dict__
        if self.name not in values:
            row._details.complete()
        return values[self.name]

    def __set__(self, row, value) -> None:
        row.__dict__[self.name] = value


class SummaryEntry(ModelEntry):
    """A :class:`ModelEntry` from a ``ModelSummary`` (see the module doc)."""

    def __init__(self, summary, details: PageDetails):  # noqa: D107 - not the dataclass's fields
        tags = dict(summary.freeform_tags or {})
        # One dict update (a page builds 50 to 1000 of these per call).
        self.__dict__.update(
            id=summary.id, display_name=summary.display_name or "", compartment_id=summary.compartment_id,
            project_id=summary.project_id, created_by=tags.pop(CREATED_BY_TAG, None) or summary.created_by or "",
            time_created=utc(summary.time_created), lifecycle_state=summary.lifecycle_state, freeform_tags=tags,
            version_set_id=summary.model_version_set_id or summary.id, version=summary.version_id or 1,
            _details=details, _complete=False)
        details.add(self)

    def _fill(self, full: ModelEntry | None) -> None:
        """Take the details of the full entry (None: deleted since it was listed; the row keeps
        what the listing showed, with empty details)."""
        source = full if full is not None else ModelEntry(id=self.id, display_name=self.display_name)
        for name in DETAIL_FIELDS:  # a detail assigned meanwhile is kept, as any field set on an entry
            self.__dict__.setdefault(name, getattr(source, name))
        self._complete = True

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, ModelEntry):
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name) for f in dataclasses.fields(ModelEntry))

    def __reduce__(self):
        # A copy or a pickle is a plain, complete ModelEntry (the page and its lock stay here).
        return ModelEntry.from_dict, (self.to_dict(),)

    __hash__ = None  # type: ignore[assignment]  # as ModelEntry's: entries are mutable


for _name in DETAIL_FIELDS:
    _descriptor = _Detail()
    _descriptor.__set_name__(SummaryEntry, _name)
    setattr(SummaryEntry, _name, _descriptor)
