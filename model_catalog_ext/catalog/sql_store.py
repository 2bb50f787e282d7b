"""``SqlStore``: the catalog's entries in SQLite or PostgreSQL, their bytes in a
content-addressed blob store (local files, or any fsspec URL such as ``s3://``).

The rules (validation, which fields change, reading artifacts back) are
:class:`~.catalog_service.CatalogService`'s; this is storage only (see ``interface.py``).

Crash safety rests on ordering.  A save writes and fsyncs every blob *before* the one
transaction that inserts the entry, so a save killed at any point leaves either nothing
visible or a complete entry (at worst some unreferenced blobs, which ``collect_garbage``
removes).  A blob is only ever deleted while holding the lock on its ``blobs`` row (the
SQLite write lock; a row lock on PostgreSQL) after re-checking that nothing references it,
and a save re-checks, under the same lock, that each blob it references exists.  So a
concurrent delete can never leave an entry pointing at a missing blob.
"""
from __future__ import annotations

import builtins
import contextlib
import functools
import os
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from ..errors import Conflict, DamagedArtifact, ModelNotFound
from . import history as hist
from .blobstore import BlobStore, LocalBlobStore, StoredBlob
from .defaults import current_user
from .engine import is_sqlite
from .entry import ModelEntry
from .hashing import CHUNK_HASH
from .interface import ArtifactFile, BackendInfo, Capabilities, CatalogBackend, ProgressCallback
from .listing import ListingCompiler, version_counts
from .listing_cache import MAX_CHANGES_CHECKED, ChangeLog, KeptPage, ListingCache, query_key
from .query import ModelQuery, Page
from .records import (
    dumps,
    loads,
    manifest_digest,
    name_key,
    new_etag,
    new_model_id,
    new_version_set_id,
    normalize_framework,
    now_us,
    row_to_entry,
    us_to_datetime,
)
from .source import ArtifactSource
from .sql_errors import typed_write_errors
from .staging import collect_uploads, open_staging
from .tables import (
    artifact_blobs,
    artifacts,
    blobs,
    catalog_change_log,
    catalog_changes,
    model_history,
    model_tags,
    models,
    version_sets,
)
from .upload_saves import record_upload_save, saved_model_id
from .verified import BLOB_MISSING, check_blob, iter_verified

_JSON_FIELDS = ("freeform_tags", "defined_metadata", "custom_metadata", "provenance")
_MAX_COMMIT_ATTEMPTS = 5
# The same for every SQL store; asked on every listing, so made once.
_CAPABILITIES = Capabilities(deduplicates=True, verify_stored=True, garbage_collection=True, history=True)
# Every write transaction's last steps: the counter's row lock is then held only until the
# commit that follows at once, and the numbers follow the commits (listing_cache.py).
_COUNT_CHANGE = (catalog_changes.update().where(catalog_changes.c.id == 1)
                 .values(changes=catalog_changes.c.changes + 1).returning(catalog_changes.c.changes))
_READ_CHANGES = sa.select(catalog_changes.c.changes).where(catalog_changes.c.id == 1)
# More version sets changed than this: reading the page anew costs less than looking.
_MAX_SETS_PROBED = 200
# The change log keeps this many changes (a listing kept longer is read anew, not checked).
_LOG_KEPT = 10 * MAX_CHANGES_CHECKED


class _MissingBlobs(Exception):
    def __init__(self, shas):
        self.shas = shas


class SqlStore(CatalogBackend):
    """Entries in SQLite / PostgreSQL, bytes in a content-addressed blob store.

    Build one with ``open_catalog()``.  Thread-safe; share one per process.
    """

    filters_by_scope = True  # ModelQuery.scope is a WHERE condition of the listing (listing.in_scope)

    def __init__(self, engine: sa.Engine, blob_store: BlobStore):
        self.engine = engine
        self.blobs = blob_store
        self.url = engine.url.render_as_string(hide_password=True)
        self.artifact_root = blob_store.url
        self._listing = ListingCompiler(engine.dialect.name, self._has_fts())
        self._pages: ListingCache | None = None
        self._changes = ChangeLog(self._changes_after)
        self._touched = threading.local()  # .sets: what the thread's write transaction changes
        # PostgreSQL: listings read outside a transaction -- each statement sees what is
        # committed when it runs, as it would in one (READ COMMITTED), without a BEGIN and a
        # ROLLBACK round trip around it.  (SQLite has no round trips, and its connections
        # keep the transaction handling engine.py gives them.)
        self._reads = engine if is_sqlite(engine) else engine.execution_options(isolation_level="AUTOCOMMIT")

    def info(self) -> BackendInfo:
        if is_sqlite(self.engine):
            return BackendInfo("sqlite", "Embedded catalog", self.engine.url.database or ":memory:")
        return BackendInfo(self.engine.dialect.name, "Team catalog (PostgreSQL)", self.url)

    def spool_folder(self) -> str | None:
        return self.blobs.spool_folder()

    def staging(self):
        return open_staging(self.blobs)

    def capabilities(self) -> Capabilities:
        return _CAPABILITIES

    # --- plumbing -------------------------------------------------------------------
    def _has_fts(self) -> bool:
        if not is_sqlite(self.engine):
            return False
        with self.engine.connect() as conn:
            return conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='models_fts'").first() is not None

    @contextlib.contextmanager
    def _write(self, listed: bool = True):
        """A write transaction; its body names each version set whose models it changes with
        :meth:`_touch`.  ``listed=False``: one that changes nothing a listing shows (blob
        bookkeeping), so it is not counted."""
        with typed_write_errors(), self.engine.connect().execution_options(catalog_write=True) as conn:
            with conn.begin():
                touched = self._touched.sets = set()
                try:
                    yield conn
                finally:
                    self._touched.sets = None
                if listed:
                    change_no = conn.execute(_COUNT_CHANGE).scalar_one()
                    if touched:
                        conn.execute(catalog_change_log.insert(),
                                     [{"change_no": change_no, "version_set_id": s} for s in sorted(touched)])
                    if change_no % 256 == 0:
                        conn.execute(catalog_change_log.delete().where(catalog_change_log.c.change_no
                                                                       <= change_no - _LOG_KEPT))

    def _touch(self, version_set_id: str) -> None:
        """Log that this thread's write transaction changes models of ``version_set_id`` (what
        kept listings check)."""
        self._touched.sets.add(version_set_id)

    def _lock_blob_rows(self, conn, shas: builtins.list[str]) -> None:
        # SQLite: the write transaction already holds the database lock.
        if shas and not is_sqlite(self.engine):
            conn.execute(sa.select(blobs.c.sha256).where(blobs.c.sha256.in_(shas))
                         .order_by(blobs.c.sha256).with_for_update())

    def _insert_ignore(self, conn, table: sa.Table, rows: builtins.list[dict]) -> None:
        if not rows:
            return
        from sqlalchemy.dialects import postgresql, sqlite

        dialect: Any = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        conn.execute(dialect.insert(table).on_conflict_do_nothing(), rows)

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()

    # --- reading --------------------------------------------------------------------
    def _row(self, conn, model_id: str, *, for_update: bool = False):
        stmt = sa.select(models).where(models.c.id == model_id)
        if for_update and not is_sqlite(self.engine):
            stmt = stmt.with_for_update()
        row = conn.execute(stmt).first()
        if row is None:
            raise ModelNotFound(
                f"No model with id '{model_id}' in the catalog at {self.url}. "
                "List models with `jupyter model-catalog list` (or ModelCatalog().list_models()) to find its id.",
                model_id=model_id)
        return row

    def _entries(self, conn, rows) -> builtins.list[ModelEntry]:
        digests = sorted({r.artifact_digest for r in rows})
        manifests = {}
        if digests:
            for digest, manifest in conn.execute(
                    sa.select(artifacts.c.digest, artifacts.c.manifest).where(artifacts.c.digest.in_(digests))):
                manifests[digest] = loads(manifest)
        return [row_to_entry(r, manifests.get(r.artifact_digest)) for r in rows]

    def get(self, model_id: str) -> ModelEntry:
        """The entry with this id (ModelNotFound if there is none)."""
        with self.engine.connect() as conn:
            return self._entries(conn, [self._row(conn, model_id)])[0]

    def share_listings(self, pages: int) -> None:
        """Answer a listing asked again with the same Page object while no change since makes
        it wrong (listing_cache.py); at most ``pages`` pages are kept."""
        self._pages = ListingCache(pages) if pages > 0 else None

    def list(self, query: ModelQuery) -> Page:
        cache = self._pages
        with self._reads.connect() as conn:
            if cache is None:
                return self._list(conn, query)[0]
            generation = conn.execute(_READ_CHANGES).scalar_one()
            # Released before waiting for another caller's read of the same page.
        return cache.get_or_read(query_key(query), generation, functools.partial(self._list_anew, query),
                                 functools.partial(self._still_good, query))

    def _list_anew(self, query: ModelQuery) -> KeptPage:
        with self._reads.connect() as conn:
            generation = conn.execute(_READ_CHANGES).scalar_one()
            page, sets = self._list(conn, query)
        # Read after the counter: right for `generation` at least.
        return KeptPage(page, generation, sets)

    def _still_good(self, query: ModelQuery, kept: KeptPage) -> int | None:
        """The counter value up to which ``kept`` is checked and right (None: read it anew);
        the checks and the counter come from one snapshot."""
        if query.count_total:
            return None  # any change of a match changes the total
        repeatable = {} if is_sqlite(self.engine) else {"isolation_level": "REPEATABLE READ"}
        with self.engine.connect().execution_options(**repeatable) as conn, conn.begin():
            now = conn.execute(_READ_CHANGES).scalar_one()
            touched = self._changes.touched(kept.generation, now)
            if touched is None or len(touched) > _MAX_SETS_PROBED or touched & kept.version_sets:
                return None
            if touched and conn.execute(self._listing.probe(query, sorted(touched))).first() is not None:
                return None
            return now

    def _changes_after(self, after: int, up_to: int) -> builtins.list[tuple[int, str]]:
        log = catalog_change_log.c
        with self._reads.connect() as conn:
            return [(r.change_no, r.version_set_id) for r in conn.execute(
                sa.select(log.change_no, log.version_set_id).where(log.change_no > after, log.change_no <= up_to))]

    def _list(self, conn, query: ModelQuery) -> tuple[Page, frozenset[str]]:
        """The page, and the version sets of its rows and of the row after it."""
        candidates = self._listing.candidates(query)
        rows = None
        if candidates is not None:
            rows = conn.execute(self._listing.bounded_statement(query, candidates)).fetchall()
        if rows is None or len(rows) <= query.limit:  # none, or short: maybe cut short by the bound
            rows = conn.execute(self._listing.statement(query)).fetchall()
        more = len(rows) > query.limit
        sets = frozenset(r.version_set_id for r in rows)
        rows = rows[: query.limit]
        items = self._entries(conn, rows)
        total = conn.execute(self._listing.count_statement(query)).scalar() if query.count_total else None
        token = self._listing.next_token(query, rows[-1]) if more else None
        counts = version_counts(rows) if query.latest_only else {}
        return Page(items=items, next_page_token=token, total=total, version_counts=counts), sets

    def versions(self, model_id: str) -> builtins.list[ModelEntry]:
        """Every entry of the model's version set (all states), by ascending version."""
        with self.engine.connect() as conn:
            row = self._row(conn, model_id)
            rows = conn.execute(sa.select(models).where(models.c.version_set_id == row.version_set_id)
                                .order_by(models.c.version)).fetchall()
            return self._entries(conn, rows)

    # --- saving ---------------------------------------------------------------------
    def save(self, values: dict[str, Any], source: ArtifactSource, base: ModelEntry | None,
             progress: ProgressCallback | None, actor: str | None = None) -> ModelEntry:
        """Every file is hashed while it streams into the blob store; identical bytes are
        stored once."""
        stored: dict[str, StoredBlob] = {}
        if source.upload_key is not None:  # an upload completed already: its entry, nothing stored
            with self.engine.connect() as conn:
                saved = saved_model_id(conn, source.upload_key)
            if saved is not None:
                return self.get(saved)
        try:
            self._store_files(source, progress, stored)
            return self._commit_save(values, source, stored, base, actor or current_user())
        except BaseException:
            # A failed save (a file that changed, a full disk...) takes back the blobs it wrote
            # that no entry uses; a killed one leaves them to collect_garbage().
            with contextlib.suppress(Exception):
                self._collect([b.sha256 for b in stored.values() if b.written])
            raise

    def _commit_save(self, values: dict, source, stored: dict[str, StoredBlob],
                     base: ModelEntry | None, actor: str) -> ModelEntry:
        manifest = [{"path": f.path, "size": f.size, "sha256": stored[f.path].sha256} for f in source.files]
        for attempt in range(_MAX_COMMIT_ATTEMPTS):
            try:
                return self._insert_entry(values, manifest, stored, base, actor, source.upload_key)
            except _MissingBlobs as missing:
                # A concurrent delete collected a blob we rely on: store it again.
                for f in source.files:
                    if stored[f.path].sha256 in missing.shas:
                        stored[f.path] = self.blobs.put(f.path, f.open, f.size)
            except sa.exc.IntegrityError:
                # Two saves took the same version number (the loser takes the next one), or
                # saved the same upload (the loser finds the winner's entry).
                if attempt == _MAX_COMMIT_ATTEMPTS - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))
        raise RuntimeError("could not commit the save; retry")  # pragma: no cover

    @staticmethod
    def _next_version(conn, version_set_id: str) -> int:
        """Take the set's next version number (the row update also serializes two saves)."""
        taken = conn.execute(version_sets.update().where(version_sets.c.id == version_set_id)
                             .values(last_version=version_sets.c.last_version + 1)
                             .returning(version_sets.c.last_version)).scalar()
        if taken is None:  # a set that lost its row: start from its highest version
            taken = (conn.execute(sa.select(sa.func.max(models.c.version))
                                  .where(models.c.version_set_id == version_set_id)).scalar() or 0) + 1
            conn.execute(version_sets.insert().values(id=version_set_id, last_version=taken))
        return taken

    def _store_files(self, source, progress: ProgressCallback | None, stored: dict[str, StoredBlob]) -> None:
        """Put every file of ``source`` into the blob store, recording each in ``stored`` as
        it lands (so that a failure part-way knows what it wrote)."""
        total, done = source.total_size, 0
        sizes = sorted({f.size for f in source.files if f.size > self.blobs.chunk_size})
        known_sizes: set[int] = set()
        known_chunks: dict[int, dict[bytes, str]] = {}  # size -> {chunk digests: sha256}
        if sizes:
            with self.engine.connect() as conn:
                for row in conn.execute(sa.select(blobs.c.size, blobs.c.sha256, blobs.c.chunk_size, blobs.c.chunk_hash,
                                                  blobs.c.chunk_digests).where(blobs.c.size.in_(sizes))):
                    known_sizes.add(row.size)
                    if row.chunk_hash == CHUNK_HASH and row.chunk_size == self.blobs.chunk_size and row.chunk_digests:
                        known_chunks.setdefault(row.size, {})[bytes(row.chunk_digests)] = row.sha256

        def tick(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(done, total)

        publish = getattr(source, "publish", None)  # an upload's files: checked and published from its parts
        for f in source.files:
            if publish is not None:
                stored[f.path] = publish(f)
                tick(f.size)
                continue
            stored[f.path] = self.blobs.put(f.path, f.open, f.size, likely_present=f.size in known_sizes,
                                            known_chunks=known_chunks.get(f.size), progress=tick)

    def _insert_entry(self, values: dict, manifest: builtins.list[dict], stored: dict[str, StoredBlob],
                      base: ModelEntry | None, actor: str, upload_key: str | None = None) -> ModelEntry:
        digest = manifest_digest(manifest)
        size = sum(m["size"] for m in manifest)
        by_sha = {b.sha256: b for b in stored.values()}
        shas = sorted(by_sha)
        with self._write() as conn:
            saved = saved_model_id(conn, upload_key) if upload_key is not None else None
            if saved is not None:
                return self._entries(conn, [self._row(conn, saved)])[0]
            self._insert_ignore(conn, blobs, [
                {"sha256": b.sha256, "size": b.size, "chunk_size": self.blobs.chunk_size,
                 "chunk_digests": b.chunk_digests, "chunk_hash": b.chunk_hash, "crc32": b.crc32}
                for b in (by_sha[s] for s in shas)])
            self._lock_blob_rows(conn, shas)
            missing = [s for s in shas if not self.blobs.exists(s)]
            if missing:
                raise _MissingBlobs(set(missing))
            self._insert_ignore(conn, artifacts, [
                {"digest": digest, "size": size, "file_count": len(manifest), "manifest": dumps(manifest)}])
            self._lock_artifact(conn, digest, share=True)
            self._insert_ignore(conn, artifact_blobs, [{"digest": digest, "sha256": s} for s in shas])
            if base is not None:
                base_row = self._row(conn, base.id)  # it may have been deleted meanwhile
                version_set_id, parent_id = base_row.version_set_id, base_row.id
                version = self._next_version(conn, version_set_id)
            else:
                version_set_id, version, parent_id = new_version_set_id(), 1, None
                conn.execute(version_sets.insert().values(id=version_set_id, last_version=1))
            now = now_us()
            row = {
                "id": new_model_id(),
                "compartment_id": values["compartment_id"],
                "project_id": values["project_id"],
                "display_name": values["display_name"],
                "name_key": name_key(values["display_name"]),
                "description": values["description"],
                "created_by": values["created_by"],
                "time_created": now,
                "time_updated": now,
                "lifecycle_state": "ACTIVE",
                "framework": normalize_framework(values["defined_metadata"].get("Framework")),
                "freeform_tags": dumps(values["freeform_tags"]),
                "defined_metadata": dumps(values["defined_metadata"]),
                "custom_metadata": dumps(values["custom_metadata"]),
                "input_schema": dumps(values["input_schema"]) if values["input_schema"] is not None else None,
                "output_schema": dumps(values["output_schema"]) if values["output_schema"] is not None else None,
                "provenance": dumps(values["provenance"]),
                "version_set_id": version_set_id,
                "version": version,
                "parent_id": parent_id,
                "artifact_digest": digest,
                "artifact_size": size,
                "etag": new_etag(),
            }
            seq = conn.execute(models.insert().values(**row).returning(models.c.seq)).scalar_one()
            self._touch(version_set_id)
            if upload_key is not None:
                record_upload_save(conn, upload_key, row["id"], now)
            self._write_tags(conn, seq, values["freeform_tags"])
            entry = self._entries(conn, [conn.execute(sa.select(models).where(models.c.seq == seq)).first()])[0]
            self._record(conn, entry, now, actor, "saved", hist.saved_changes(entry))
            return entry

    @staticmethod
    def _record(conn, row, at: int, actor: str, action: str, changes: dict) -> None:
        """One history row for a change of ``row`` (an entry or a models row), in the
        change's own transaction: a change that rolls back takes its record with it."""
        conn.execute(model_history.insert().values(
            model_id=row.id, version_set_id=row.version_set_id, version=row.version, at=at, actor=actor,
            action=action, changes=dumps(changes)))

    @staticmethod
    def _write_tags(conn, seq: int, tags: dict[str, str]) -> None:
        conn.execute(model_tags.delete().where(model_tags.c.seq == seq))
        if tags:
            conn.execute(model_tags.insert(), [{"seq": seq, "key": k, "value": v} for k, v in tags.items()])

    # --- changing metadata -------------------------------------------------------------
    def update(self, model_id: str, changes: dict[str, Any], etag: str | None,
               actor: str | None = None) -> ModelEntry:
        return self._apply(model_id, etag, changes, actor or current_user())

    def _apply(self, model_id: str, etag: str | None, changes: dict, actor: str) -> ModelEntry:
        with self._write() as conn:
            row = self._row(conn, model_id, for_update=True)
            if etag is not None and etag != row.etag:
                raise Conflict.stale(model_id, etag, row.etag)
            if changes:
                values: dict[str, Any] = {}
                for key, value in changes.items():
                    if key in _JSON_FIELDS:
                        values[key] = dumps(value)
                    else:
                        values[key] = value
                if "defined_metadata" in changes:
                    values["framework"] = normalize_framework(changes["defined_metadata"].get("Framework"))
                if "display_name" in changes:
                    values["name_key"] = name_key(changes["display_name"])
                values["time_updated"] = max(now_us(), row.time_updated + 1)
                values["etag"] = new_etag()
                conn.execute(models.update().where(models.c.seq == row.seq).values(**values))
                self._touch(row.version_set_id)
                if "freeform_tags" in changes:
                    self._write_tags(conn, row.seq, changes["freeform_tags"])
                old = {key: loads(row._mapping[key]) if key in _JSON_FIELDS else row._mapping[key] for key in changes}
                edited = hist.edited_changes(old, changes)
                if edited:
                    self._record(conn, row, values["time_updated"], actor, "edited", edited)
                row = conn.execute(sa.select(models).where(models.c.seq == row.seq)).first()
            return self._entries(conn, [row])[0]

    def set_state(self, model_id: str, state: str, actor: str | None = None) -> ModelEntry:
        with self._write() as conn:
            row = self._row(conn, model_id, for_update=True)
            if row.lifecycle_state != state:
                at = max(now_us(), row.time_updated + 1)
                conn.execute(models.update().where(models.c.seq == row.seq).values(
                    lifecycle_state=state, time_updated=at, etag=new_etag()))
                self._touch(row.version_set_id)
                self._record(conn, row, at, actor or current_user(), hist.state_action(state),
                             hist.state_changes(row.lifecycle_state, state))
                row = conn.execute(sa.select(models).where(models.c.seq == row.seq)).first()
            return self._entries(conn, [row])[0]

    # --- deleting -----------------------------------------------------------------------
    def delete(self, model_id: str, actor: str | None = None) -> None:
        """Remove the entry; its blobs go too unless another entry uses them.  Its history stays."""
        with self._write() as conn:
            row = self._row(conn, model_id, for_update=True)
            self._record(conn, row, now_us(), actor or current_user(), "deleted", {})
            self._touch(row.version_set_id)
            conn.execute(model_tags.delete().where(model_tags.c.seq == row.seq))
            conn.execute(models.delete().where(models.c.seq == row.seq))
            if conn.execute(sa.select(models.c.seq).where(models.c.version_set_id == row.version_set_id)
                            .limit(1)).first() is None:  # the set's last version: nothing can follow it
                conn.execute(version_sets.delete().where(version_sets.c.id == row.version_set_id))
            candidates = self._release_artifact(conn, row.artifact_digest)
        # A crash here leaves unreferenced blobs only; collect_garbage() finds them.
        self._collect(candidates)

    # --- history ----------------------------------------------------------------------------
    def history(self, model_id: str, all_versions: bool = False) -> builtins.list[dict]:
        """The entry's (or its version set's) history records, oldest first."""
        with self.engine.connect() as conn:
            where = model_history.c.model_id == model_id
            if all_versions:
                # The set of a deleted entry is still named by its own records.
                set_id = (conn.execute(sa.select(models.c.version_set_id).where(models.c.id == model_id)).scalar()
                          or conn.execute(sa.select(model_history.c.version_set_id).where(where).limit(1)).scalar())
                where = model_history.c.version_set_id == (set_id or "")
            rows = conn.execute(sa.select(model_history).where(where).order_by(model_history.c.seq)).fetchall()
            if not rows:
                self._row(conn, model_id)  # ModelNotFound unless it is an entry saved before history began
        return [hist.record(r.model_id, r.version_set_id, r.version, r.seq, us_to_datetime(r.at).isoformat(),
                            r.actor, r.action, loads(r.changes)) for r in rows]

    def _lock_artifact(self, conn, digest: str, *, share: bool = False) -> None:
        # Two deletes of the artifact's last two users must not both see the other still
        # using it (each would keep it: a leak gc cannot see); a save adding a user must not
        # see it released under it.  SQLite: the write lock already serializes them.
        if not is_sqlite(self.engine):
            conn.execute(sa.select(artifacts.c.digest).where(artifacts.c.digest == digest)
                         .with_for_update(read=share))

    def _release_artifact(self, conn, digest: str) -> builtins.list[str]:
        self._lock_artifact(conn, digest)
        still_used = conn.execute(sa.select(models.c.seq).where(models.c.artifact_digest == digest).limit(1)).first()
        if still_used is not None:
            return []
        shas = list(conn.execute(sa.select(artifact_blobs.c.sha256).where(artifact_blobs.c.digest == digest)).scalars())
        conn.execute(artifact_blobs.delete().where(artifact_blobs.c.digest == digest))
        conn.execute(artifacts.delete().where(artifacts.c.digest == digest))
        return shas

    def _collect(self, shas: builtins.list[str]) -> builtins.list[str]:
        """Delete the blobs among ``shas`` that nothing references; returns those deleted."""
        if not shas:
            return []
        shas = sorted(set(shas))
        with self._write(listed=False) as conn:
            self._lock_blob_rows(conn, shas)
            used = set(conn.execute(sa.select(artifact_blobs.c.sha256).distinct()
                                    .where(artifact_blobs.c.sha256.in_(shas))).scalars())
            gone = [s for s in shas if s not in used]
            for sha in gone:
                self.blobs.delete(sha)
            if gone:
                conn.execute(blobs.delete().where(blobs.c.sha256.in_(gone)))
        return gone

    def collect_garbage(self, tmp_grace_seconds: float = 3600) -> dict:
        """Remove blobs no entry references and leftovers of interrupted saves.

        Blob files without a ``blobs`` row and temporary files are only removed once older
        than the grace period, so a save that is still running keeps what it is writing.
        Returns ``{"removed_blobs": [sha256...], "removed_tmp_files": n, "freed_bytes": n}``.
        """
        with self.engine.connect() as conn:
            orphan_sizes = dict(conn.execute(
                sa.select(blobs.c.sha256, blobs.c.size)
                .where(~blobs.c.sha256.in_(sa.select(artifact_blobs.c.sha256)))).fetchall())
            known = set(conn.execute(sa.select(blobs.c.sha256)).scalars())
        removed = self._collect(sorted(orphan_sizes))
        freed = sum(orphan_sizes[s] for s in removed)
        cutoff = time.time() - tmp_grace_seconds
        stray_sizes: dict[str, int] = {}
        tmp_removed = 0
        if isinstance(self.blobs, LocalBlobStore):  # a local store: look at the files themselves
            for sha in self.blobs.iter_digests():
                with contextlib.suppress(FileNotFoundError):
                    info = os.stat(self.blobs.location(sha))
                    if sha not in known and info.st_mtime < cutoff:
                        stray_sizes[sha] = info.st_size
            for path in self.blobs.tmp_files():
                with contextlib.suppress(FileNotFoundError):
                    info = os.stat(path)
                    if info.st_mtime < cutoff:
                        os.unlink(path)
                        tmp_removed += 1
                        freed += info.st_size
        stray = self._collect(sorted(stray_sizes)) if stray_sizes else []
        freed += sum(stray_sizes[s] for s in stray)
        return {"removed_blobs": removed + stray, "removed_tmp_files": tmp_removed, "freed_bytes": freed,
                **collect_uploads(self.blobs, cutoff)}

    # --- reading artifacts back -------------------------------------------------------------
    def artifact_files(self, entry: ModelEntry, reuse_buffers: bool = False) -> builtins.list[ArtifactFile]:
        index = self._chunk_index([m["sha256"] for m in entry.manifest])
        return [ArtifactFile(m["path"], m["size"], m["sha256"], index.get(m["sha256"], (0, b"", None, ""))[2],
                             functools.partial(self._file_chunks, entry, m, index, reuse_buffers),
                             functools.partial(self._file_chunks, entry, m, index, reuse_buffers))
                for m in entry.manifest]

    def _chunk_index(self, shas: builtins.list[str]) -> dict[str, tuple[int, bytes, int | None, str]]:
        """``{sha256: (chunk size, chunk digests, crc32, chunk digest function)}``."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(blobs.c.sha256, blobs.c.chunk_size, blobs.c.chunk_digests, blobs.c.crc32,
                                          blobs.c.chunk_hash)
                                .where(blobs.c.sha256.in_(sorted(set(shas))))).fetchall()
        return {r.sha256: (r.chunk_size, bytes(r.chunk_digests or b""), r.crc32, r.chunk_hash) for r in rows}

    def _file_chunks(self, entry: ModelEntry, item: dict, index: dict,
                     reuse_buffers: bool = False, offset: int = 0) -> Iterator[bytes]:
        chunk_size, digests, _, chunk_hash = index.get(item["sha256"], (self.blobs.chunk_size, b"", None, ""))
        chunks = iter_verified(self.blobs, sha256=item["sha256"], size=item["size"], chunk_digests=digests,
                               chunk_size=chunk_size, chunk_hash=chunk_hash, path=item["path"],
                               model_id=entry.id, reuse_buffers=reuse_buffers, offset=offset)
        try:
            yield from chunks
        except DamagedArtifact as exc:
            # A blob that vanished while the entry was being read: if the entry went with it
            # (deleted meanwhile), say so -- it is not damage an operator has to repair.
            if exc.details.get("problem") == BLOB_MISSING and not self._exists(entry.id):
                raise ModelNotFound(
                    f"Model {entry.id} was deleted while its artifact was being read, so '{item['path']}' "
                    "and what follows it could not be sent: the download is incomplete.",
                    model_id=entry.id, path=item["path"]) from None
            raise

    def _exists(self, model_id: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(models.c.seq).where(models.c.id == model_id)).first() is not None

    # --- checking -------------------------------------------------------------------------
    def verify(self, model_id: str | None = None) -> builtins.list[dict]:
        """Re-hash stored bytes; one dict per damaged file of each affected entry.

        Each report: ``{id, display_name, version, path, sha256, problem}``.  An empty list
        means every checked byte is intact.  ``model_id=None`` checks the whole catalog.
        """
        with self.engine.connect() as conn:
            rows: Sequence[Any]
            if model_id is not None:
                rows = [self._row(conn, model_id)]
            else:
                rows = conn.execute(sa.select(models).order_by(models.c.seq)).fetchall()
            entries = self._entries(conn, rows)
            known = {r.sha256: (r.size, r.chunk_size) for r in conn.execute(
                sa.select(blobs.c.sha256, blobs.c.size, blobs.c.chunk_size))} if model_id is None else None
            if known is None:
                shas = sorted({m["sha256"] for e in entries for m in e.manifest})
                known = {r.sha256: (r.size, r.chunk_size) for r in conn.execute(
                    sa.select(blobs.c.sha256, blobs.c.size, blobs.c.chunk_size).where(blobs.c.sha256.in_(shas)))}
        problems: dict[str, str | None] = {}
        reports = []
        for entry in entries:
            if not entry.manifest:
                reports.append(self._report(entry, None, "no manifest: the artifact record is missing"))
            for item in entry.manifest:
                sha = item["sha256"]
                if sha not in problems:
                    if sha not in known:
                        problems[sha] = "no blob record"
                    else:
                        problems[sha] = check_blob(self.blobs, sha256=sha, size=item["size"],
                                                   chunk_size=self.blobs.chunk_size)
                if problems[sha]:
                    reports.append(self._report(entry, item, problems[sha] or "damaged"))
        return reports

    def _report(self, entry: ModelEntry, item: dict | None, problem: str) -> dict:
        return {
            "id": entry.id, "display_name": entry.display_name, "version": entry.version,
            "path": item["path"] if item else None, "sha256": item["sha256"] if item else None,
            "location": self.blobs.location(item["sha256"]) if item else None, "problem": problem,
        }

    def stats(self) -> dict:
        """Counts for status displays: models (by state), artifacts, blobs and stored bytes."""
        with self.engine.connect() as conn:
            by_state: dict[str, int] = dict(conn.execute(sa.select(models.c.lifecycle_state, sa.func.count())
                                         .group_by(models.c.lifecycle_state)).all())
            n_blobs, stored = conn.execute(
                sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(blobs.c.size), 0))).one()
            n_art = conn.execute(sa.select(sa.func.count()).select_from(artifacts)).scalar()
        return {"models": sum(by_state.values()), "by_state": by_state, "artifacts": n_art,
                "blobs": n_blobs, "stored_bytes": int(stored)}

