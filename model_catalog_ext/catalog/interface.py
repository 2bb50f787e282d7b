"""The backend contract: what a catalog backend stores and answers, and nothing more.

A backend keeps entries and their bytes; :class:`~.catalog_service.CatalogService` holds
the rules every backend shares (validation, the field registry, immutable artifacts and
test results, reading artifacts back as files, folders and zips).  Doors never see a
backend: they call ``CatalogService``.  ``docs/architecture.md`` draws the picture.

What a backend may assume: every value it is handed is already checked (``values`` of
:meth:`CatalogBackend.save` went through the field registry, a query is normalized, an
update names editable fields only).  What it must guarantee:

- a save is all or nothing: the entry becomes visible only once every byte is durable;
- an update with an ``etag`` applies only if the entry still has it, atomically (else
  :class:`~model_catalog_ext.errors.Conflict` carrying ``current_etag``); every change
  gives the entry a new etag and a later ``time_updated``;
- the bytes read back are the bytes saved: each chunk an ``ArtifactFile`` yields is checked
  against what was recorded at save time (else ``DamagedArtifact``), and a file of an entry
  deleted meanwhile ends in ``ModelNotFound``;
- errors are the typed errors of ``model_catalog_ext.errors``, never a driver's.

A backend that keeps one zip per model and its own versions fits as well as the SQL store
with its content-addressed blobs: ``artifact_files`` is the only way bytes go out.
"""
from __future__ import annotations

import abc
import builtins
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import Unsupported
from .entry import ModelEntry
from .query import ModelQuery, Page
from .source import ArtifactSource

if TYPE_CHECKING:
    from .staging import Staging

ProgressCallback = Callable[[int, int], None]

# How a backend answers each filter of ModelQuery: "native" (its own index or service),
# "slow" (filtered after fetching: the panel says a search may take a while).
FILTERS = ("text", "name", "tags", "created_by", "state", "framework", "compartment_id", "project_id",
           "created_after", "created_before")


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do, for doors that show or hide features (``GET capabilities``)."""

    filters: dict[str, str] = field(default_factory=lambda: {name: "native" for name in FILTERS})
    sorts: tuple[str, ...] = ("time_created", "time_updated", "name", "version")
    latest_only: bool = True  # one row per model (ModelQuery.latest_only) with version counts
    count_total: bool = True  # Page.total on request (ModelQuery.count_total)
    deduplicates: bool = False  # identical bytes are stored once
    verify_stored: bool = False  # verify() re-reads and re-hashes stored bytes
    garbage_collection: bool = False  # collect_garbage() frees what interrupted saves left
    versions: bool = True
    history: bool = False
    projects: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sorts"] = list(self.sorts)
        return data


@dataclass(frozen=True)
class BackendInfo:
    """Which catalog this is, in words a user recognizes (never a password)."""

    kind: str  # the URL scheme family: "sqlite", "postgresql", "memory", ...
    label: str  # "Embedded catalog", "Team catalog (PostgreSQL)"
    location: str  # a path or a URL without credentials


@dataclass(frozen=True)
class ArtifactFile:
    """One file of a stored artifact, to read back: ``chunks()`` yields checked bytes.

    ``crc32`` is the CRC-32 recorded at save time when the backend keeps one (a zip can then
    be streamed with its headers known in advance), else None.
    """

    path: str
    size: int
    sha256: str
    crc32: int | None
    chunks: Callable[[], Iterator[bytes]]
    #: ``chunks_from(offset)``: the checked bytes from ``offset`` on, read from there, when the
    #: backend's store can start a read part-way (a ranged download); None: it cannot, and
    #: ``downloads.file_chunks`` reads (and checks) the bytes before ``offset`` to drop them.
    chunks_from: Callable[[int], Iterator[bytes]] | None = None


class CatalogBackend(abc.ABC):
    """Where entries and their bytes live.  Implementations: ``sql_store.SqlStore``
    (SQLite or PostgreSQL + content-addressed blobs), and any registered by URL scheme."""

    #: A URL of the catalog without credentials, for messages.
    url: str = ""
    #: Where artifact bytes live (a path or URL), when the backend has such a place.
    artifact_root: str | None = None
    #: Whether list() honours ModelQuery.scope in its own query (a catalog service enforces
    #: an access policy only over a backend that does).
    filters_by_scope: bool = False

    @abc.abstractmethod
    def info(self) -> BackendInfo:
        """Which catalog this is."""

    @abc.abstractmethod
    def capabilities(self) -> Capabilities:
        """What this backend can do."""

    @abc.abstractmethod
    def get(self, model_id: str) -> ModelEntry:
        """The entry (ModelNotFound if there is none)."""

    @abc.abstractmethod
    def list(self, query: ModelQuery) -> Page:
        """One page of entries matching a normalized query."""

    @abc.abstractmethod
    def versions(self, model_id: str) -> builtins.list[ModelEntry]:
        """Every entry of the model's version set, ascending by version."""

    # A backend whose capabilities say history=True is also handed ``actor=<user name>`` by
    # save, update, set_state and delete, and records the change in its history (see
    # history.py) in the same transaction; other backends are never passed it.
    @abc.abstractmethod
    def save(self, values: dict[str, Any], source: ArtifactSource, base: ModelEntry | None,
             progress: ProgressCallback | None) -> ModelEntry:
        """Store ``source``'s files and a new entry with ``values`` (checked metadata plus
        ``created_by``), as the next version of ``base`` when given (ModelNotFound if it was
        deleted meanwhile).  A backend with :meth:`staging` saves at most one entry per
        ``source.upload_key`` (when set): a save whose key has an entry already -- even one
        committed while this save ran -- stores nothing and returns that entry."""

    @abc.abstractmethod
    def update(self, model_id: str, changes: dict[str, Any], etag: str | None) -> ModelEntry:
        """Apply checked changes of editable fields (compare-and-set on ``etag``)."""

    @abc.abstractmethod
    def set_state(self, model_id: str, state: str) -> ModelEntry:
        """Set ``lifecycle_state`` (``ACTIVE`` / ``INACTIVE``); a no-op when it already is."""

    @abc.abstractmethod
    def delete(self, model_id: str) -> None:
        """Remove the entry (its bytes go when nothing else uses them)."""

    def history(self, model_id: str, all_versions: bool = False) -> builtins.list[dict]:
        """The entry's history records, oldest first (``history.py`` says what a record holds),
        also after it was deleted; ``all_versions``: those of its whole version set.
        ModelNotFound when the id has neither an entry nor a history (``capabilities().history``)."""
        raise Unsupported(f"The catalog at {self.url} keeps no history of its models.")

    @abc.abstractmethod
    def artifact_files(self, entry: ModelEntry, reuse_buffers: bool = False) -> builtins.list[ArtifactFile]:
        """The entry's files in manifest order.  ``reuse_buffers``: chunks may be memoryviews
        of recycled buffers, each valid until two more chunks have been asked for."""

    def verify(self, model_id: str | None = None) -> builtins.list[dict]:
        """Re-check stored bytes: one report per damaged file (``capabilities().verify_stored``)."""
        raise Unsupported(f"The catalog at {self.url} cannot re-check its stored bytes.")

    def list_projects(self, compartment_id: str | None = None) -> builtins.list[dict]:
        """The projects of a compartment, newest first: dicts of ``id, display_name,
        description, compartment_id, lifecycle_state, time_created, created_by``
        (``capabilities().projects``)."""
        raise Unsupported(f"The catalog at {self.url} has no projects.")

    def create_project(self, display_name: str, description: str = "", compartment_id: str | None = None) -> dict:
        """Make a project and return it as :meth:`list_projects` shows it (``capabilities().projects``)."""
        raise Unsupported(f"The catalog at {self.url} has no projects.")

    def spool_folder(self) -> str | None:
        """A local folder where a door may receive an upload before saving it, whose leftovers
        :meth:`collect_garbage` removes (a server killed mid-upload); None: none."""
        return None

    def staging(self) -> Staging | None:
        """Where resumable uploads keep their parts until they are saved (None: this backend
        takes whole artifacts only)."""
        return None

    def collect_garbage(self, tmp_grace_seconds: float = 3600) -> dict:
        """Remove what interrupted saves left (``capabilities().garbage_collection``)."""
        return {"removed_blobs": [], "removed_tmp_files": 0, "freed_bytes": 0}

    @abc.abstractmethod
    def stats(self) -> dict:
        """Counts for status displays: ``{models, by_state, ...}``."""

    def share_listings(self, pages: int) -> None:  # noqa: B027 (a backend without a cache ignores it)
        """Let :meth:`list` answer a query asked again with the Page it gave before, as long
        as no change since makes it wrong -- shared between callers, who must not change it;
        at most ``pages`` pages kept (0: none)."""

    def close(self) -> None:  # noqa: B027 (most backends have nothing to release)
        """Release connections and files."""
