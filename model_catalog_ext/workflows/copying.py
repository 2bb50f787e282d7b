"""Copy the models of one catalog into another (``jupyter model-catalog copy``): an embedded
catalog into the team's, or any backend into any other, through ``CatalogService`` only.

Each model series is copied in version order: its artifact is streamed out of the source
into a temporary zip (every chunk checked against the source's sha256 as it is read), saved
into the target with the same metadata, and the target's manifest (path, size and sha256 of
every file) must equal the source's, else the new entry is removed and the model reported as
failed. Later versions are saved as new versions of the copy of their parent.

Idempotent and resumable: each copy carries the freeform tag ``copied-from`` = the source
model's id (ids are random and never reused, so the id alone names the model wherever the
source catalog is opened from).  A run first lists the target's entries with that tag (one
paged listing, not one query per model) and copies only the models that have no copy yet.
A save is all or nothing, so an interrupted run (Ctrl-C, kill -9) leaves at most the model it
was saving uncopied, and the next run takes up from there.

On a later run, a copy whose lifecycle state differs from its source's is brought in line
(it is part of the copy: a run stopped between a save and the deactivation it needed).
Other metadata edited in the source after it was copied is reported as differing, and
brought up to date in the target only when asked (``update_metadata``).  A model deleted in
the source is not copied; its copy, if any, stays.
"""
from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..catalog import CatalogService, ModelEntry, TagFilter, parse_search
from ..catalog.query import MAX_LIMIT
from ..catalog.validation import MAX_TAGS
from ..errors import CatalogError, CatalogUnavailable, InvalidArtifact, InvalidInput, StorageFull

# The freeform tag a copy carries: the id of the model it was copied from.
COPIED_FROM = "copied-from"
# Fields of an entry a copy keeps equal to its source's (created_by aside: see copy_catalog).
COMPARED = ("display_name", "description", "freeform_tags", "defined_metadata", "custom_metadata", "provenance",
            "compartment_id", "project_id")
# Errors that stop the whole run: every further model would fail the same way.
_STOPPING = (CatalogUnavailable, StorageFull)

ProgressCallback = Callable[[int, int], None]


@dataclass
class NamespaceMap:
    """Where a source compartment (or project) goes in the target: ``by_source`` maps ids,
    ``default`` takes every other one (None: keep the source's)."""

    default: str | None = None
    by_source: dict[str, str] = field(default_factory=dict)

    def __call__(self, source_value: str | None) -> str | None:
        if source_value is not None and source_value in self.by_source:
            return self.by_source[source_value]
        return self.default or source_value

    @classmethod
    def parse(cls, specs: list[str], option: str) -> NamespaceMap:
        """From ``NEW`` (every model) and ``OLD=NEW`` (models in OLD) as the command line takes them."""
        mapping = cls()
        for spec in specs:
            old, sep, new = spec.partition("=")
            if not sep:
                if mapping.default is not None:
                    raise InvalidInput(f"{option} {spec}: a second {option} without '=' (only one may apply to "
                                       "every model); map one id to another with OLD=NEW.")
                mapping.default = spec.strip() or None
            elif not old.strip() or not new.strip():
                raise InvalidInput(f"{option} {spec}: write OLD=NEW, both ids non-empty.")
            else:
                mapping.by_source[old.strip()] = new.strip()
        return mapping


@dataclass
class CopyOptions:
    """What to copy and how: ``search`` in the grammar of ``jupyter model-catalog list``
    (a series is copied whole when any of its versions matches)."""

    search: str | None = None
    dry_run: bool = False
    update_metadata: bool = False
    compartments: NamespaceMap = field(default_factory=NamespaceMap)
    projects: NamespaceMap = field(default_factory=NamespaceMap)


@dataclass
class ModelOutcome:
    """What happened to one source entry.

    ``status``: ``copied``; ``present`` (a copy exists and matches); ``updated`` (a copy
    existed and its metadata or state was brought up to date); ``differs`` (a copy exists
    whose metadata differs, left as it is); ``would-copy`` (dry run); ``failed``;
    ``skipped`` (an earlier version of its series failed).
    """

    source_id: str
    display_name: str
    version: int
    status: str
    target_id: str | None = None
    bytes: int = 0
    message: str = ""
    differing: list[str] = field(default_factory=list)
    # False when the target recorded another author than the source's (a service that does
    # not trust this caller to name authors records the caller); None when nothing was saved.
    author_kept: bool | None = None
    created_by: str | None = None


@dataclass
class CopyReport:
    """Every outcome of a run, in the order they happened."""

    source: str
    target: str
    outcomes: list[ModelOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def bytes_copied(self) -> int:
        return sum(o.bytes for o in self.outcomes if o.status == "copied")

    @property
    def authors_not_kept(self) -> list[ModelOutcome]:
        return [o for o in self.outcomes if o.author_kept is False]

    @property
    def ok(self) -> bool:
        return not any(o.status in ("failed", "skipped") for o in self.outcomes)

    def totals(self) -> dict[str, int]:
        statuses = ("copied", "present", "updated", "differs", "would-copy", "failed", "skipped")
        return {**{status: self.count(status) for status in statuses}, "bytes": self.bytes_copied,
                "authors_not_kept": len(self.authors_not_kept)}

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.source, "to": self.target, "ok": self.ok, "totals": self.totals(),
                "models": [asdict(o) for o in self.outcomes]}


def copy_catalog(source: CatalogService, target: CatalogService, options: CopyOptions | None = None, *,
                 on_outcome: Callable[[ModelOutcome], None] | None = None,
                 on_start: Callable[[int], None] | None = None,
                 bytes_progress: Callable[[ModelEntry], ProgressCallback | None] | None = None) -> CopyReport:
    """Copy every model series of ``source`` (matching ``options.search``) missing from
    ``target``; see the module's docstring for what makes it idempotent and resumable.

    ``created_by`` is kept where the target lets the caller say who the author was (a local
    catalog; a service for the identities in its ``may_record_authors_for``); elsewhere the
    target records the caller, and the outcome says ``author_kept=False``.  A model whose
    bytes cannot be read intact (``DamagedArtifact``) or that the target refuses is reported
    as failed, the later versions of its series as skipped, and the run goes on with the
    next series; an unreachable or full catalog stops the run (the error is raised).
    ``on_start(n)`` is called with the number of source entries, ``on_outcome`` after each.
    """
    options = options or CopyOptions()
    if _same_catalog(source, target):
        raise InvalidInput(f"--from and --to are the same catalog ({source.url}): copy needs two catalogs.")
    series = list(_source_series(source, options.search))
    copies = _existing_copies(target)
    report = CopyReport(source.url, target.url)
    if on_start:
        on_start(sum(len(versions) for versions in series))

    def record(outcome: ModelOutcome) -> None:
        report.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)

    for versions in series:
        failed: ModelOutcome | None = None
        for entry in versions:
            if failed is not None:
                record(_outcome(entry, "skipped", message=f"version {failed.version} of this model could not be "
                                                          "copied, so its later versions were not either"))
                continue
            copy = copies.get(entry.id)
            if copy is not None:
                try:
                    record(_reconcile(target, entry, copy, options))
                except _STOPPING:
                    raise
                except CatalogError as exc:  # the copy is there: later versions can still be copied
                    record(_outcome(entry, "failed", target_id=copy.id, message=exc.message))
                continue
            base = copies.get(entry.parent_id or "") or _latest_copy(versions, entry, copies)
            if options.dry_run:
                record(_outcome(entry, "would-copy", bytes=entry.artifact_size))
                continue
            try:
                copy = _copy_one(source, target, entry, base, options,
                                 bytes_progress(entry) if bytes_progress else None)
            except _STOPPING:
                raise
            except CatalogError as exc:
                failed = _outcome(entry, "failed", message=exc.message)
                record(failed)
                continue
            copies[entry.id] = copy
            record(_outcome(entry, "copied", target_id=copy.id, bytes=entry.artifact_size,
                            author_kept=copy.created_by == entry.created_by, created_by=copy.created_by))
    return report


def _outcome(entry: ModelEntry, status: str, **details) -> ModelOutcome:
    return ModelOutcome(entry.id, entry.display_name, entry.version, status, **details)


def _same_catalog(source: CatalogService, target: CatalogService) -> bool:
    return source.url == target.url and source.artifact_root == target.artifact_root


def _pages(catalog: CatalogService, query) -> Iterator[ModelEntry]:
    while True:
        page = catalog.list(query)
        yield from page.items
        if not page.next_page_token:
            return
        query.page_token = page.next_page_token


def _source_series(source: CatalogService, search: str | None) -> Iterator[list[ModelEntry]]:
    """Each version set of the source with a matching entry, whole and by ascending version,
    oldest series first."""
    query = parse_search(search, state="ALL", sort="time_created", order="asc", limit=MAX_LIMIT)
    by_set: dict[str, list[ModelEntry]] = {}
    for entry in _pages(source, query):
        by_set.setdefault(entry.version_set_id or entry.id, []).append(entry)
    for listed in by_set.values():
        # Without a search every version is listed already; with one, ask for the rest.
        versions = listed if not search else source.versions(listed[0].id)
        yield sorted(versions, key=lambda e: e.version)


def _existing_copies(target: CatalogService) -> dict[str, ModelEntry]:
    """Source id -> its copy in the target, from one paged listing of the tagged entries."""
    query = parse_search(None, state="ALL", tags=[TagFilter(COPIED_FROM)], sort="time_created", order="asc",
                         limit=MAX_LIMIT)
    copies: dict[str, ModelEntry] = {}
    for entry in _pages(target, query):
        source_id = entry.freeform_tags.get(COPIED_FROM)
        if source_id:
            copies.setdefault(source_id, entry)  # two copies (two runs at once): the first counts
    return copies


def _latest_copy(versions: list[ModelEntry], entry: ModelEntry, copies: dict[str, ModelEntry]) -> ModelEntry | None:
    """The copy of the newest earlier version of ``entry``'s series (its parent is gone)."""
    earlier = [copies[v.id] for v in versions if v.version < entry.version and v.id in copies]
    return earlier[-1] if earlier else None


def _wanted(entry: ModelEntry, options: CopyOptions) -> dict[str, Any]:
    """The metadata ``entry``'s copy has in the target."""
    tags = {**entry.freeform_tags, COPIED_FROM: entry.id}
    return {"display_name": entry.display_name, "description": entry.description, "freeform_tags": tags,
            "defined_metadata": entry.defined_metadata, "custom_metadata": entry.custom_metadata,
            "provenance": entry.provenance, "compartment_id": options.compartments(entry.compartment_id),
            "project_id": options.projects(entry.project_id)}


def _copy_one(source: CatalogService, target: CatalogService, entry: ModelEntry, base: ModelEntry | None,
              options: CopyOptions, progress: ProgressCallback | None) -> ModelEntry:
    wanted = _wanted(entry, options)
    if len(wanted["freeform_tags"]) > MAX_TAGS:
        raise InvalidInput(f"{entry.id} has {len(entry.freeform_tags)} tags, the most a model may have; its copy "
                           f"needs one more ({COPIED_FROM}). Remove a tag from it in the source and copy again.")
    with tempfile.TemporaryDirectory(prefix="model-catalog-copy-") as folder:
        # Streamed to disk, each chunk checked against the source's sha256 on the way.
        zip_path = source.write_zip(entry.id, Path(folder) / entry.zip_name)
        copy = target.save(zip_path, **wanted, input_schema=entry.input_schema, output_schema=entry.output_schema,
                           created_by=entry.created_by or None,
                           as_new_version_of=base.id if base is not None else None, progress=progress)
    if _files(copy.manifest) != _files(entry.manifest):
        removed = _remove(target, copy)
        raise InvalidArtifact(f"The copy of {entry.id} ({entry.display_name!r} version {entry.version}) did not hold "
                              f"the source's files ({_difference(entry.manifest, copy.manifest)}), "
                              + (f"so it was removed from {target.url}. " if removed is None else
                                 f"and removing it from {target.url} failed ({removed}): delete {copy.id} there. ")
                              + "The target stores an artifact's files by its own rules "
                              "(it leaves out .git folders and what .model-ignore lists): download the model, "
                              "check those files and save it into the target by hand.", model_id=entry.id)
    if entry.lifecycle_state != copy.lifecycle_state:
        copy = _set_state(target, copy, entry.lifecycle_state)
    return copy


def _files(manifest: list[dict]) -> list[tuple]:
    return sorted((item.get("path"), item.get("size"), item.get("sha256")) for item in manifest)


def _difference(source_manifest: list[dict], copy_manifest: list[dict]) -> str:
    """Which files differ, in words: 'not in the copy: a, b; in the copy only: c'."""
    source_files, copy_files = set(_files(source_manifest)), set(_files(copy_manifest))
    parts = []
    for label, files in (("not in the copy", source_files - copy_files), ("in the copy only", copy_files - source_files)):
        if files:
            names = sorted(str(f[0]) for f in files)
            parts.append(f"{label}: {', '.join(names[:5])}{' ...' if len(names) > 5 else ''}")
    return "; ".join(parts)


def _remove(target: CatalogService, copy: ModelEntry) -> str | None:
    """Delete a copy that came out wrong; why that failed, if it did (the report says so)."""
    try:
        target.delete(copy.id)
    except CatalogError as exc:
        return str(exc)
    return None


def _set_state(target: CatalogService, copy: ModelEntry, state: str) -> ModelEntry:
    return target.deactivate(copy.id) if state == "INACTIVE" else target.activate(copy.id)


def _reconcile(target: CatalogService, entry: ModelEntry, copy: ModelEntry, options: CopyOptions) -> ModelOutcome:
    """An entry copied before: its state always follows the source; other differences are
    reported, or applied with ``update_metadata``."""
    if _files(copy.manifest) != _files(entry.manifest):
        # A copy whose files are not the source's (one a failed removal left behind) is never
        # "present": it is reported on every run until someone deletes it.
        return _outcome(entry, "failed", target_id=copy.id,
                        message=f"its copy {copy.id} in {target.url} does not hold the source's files "
                              f"({_difference(entry.manifest, copy.manifest)}): delete that copy and copy again")
    wanted = _wanted(entry, options)
    differing = [name for name in COMPARED if _differs(name, wanted[name], getattr(copy, name))]
    state_differs = entry.lifecycle_state != copy.lifecycle_state
    done = _outcome(entry, "present", target_id=copy.id, differing=differing + (["lifecycle_state"]
                                                                               if state_differs else []))
    if options.dry_run:
        done.status = "differs" if done.differing else "present"
        return done
    if state_differs:
        copy = _set_state(target, copy, entry.lifecycle_state)
        done.status = "updated"
    if differing and options.update_metadata:
        target.update(copy.id, etag=copy.etag, **{name: wanted[name] for name in differing})
        done.status = "updated"
    elif differing:
        done.status = "differs"
    return done


def _differs(name: str, wanted: Any, actual: Any) -> bool:
    if name in ("compartment_id", "project_id") and wanted is None:
        return False  # none in the source: the target chose its own default
    return wanted != actual
