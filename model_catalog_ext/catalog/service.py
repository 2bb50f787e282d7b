"""``CatalogService``: the rules of the catalog, over a metadata store and a blob store.

Every door (REST, magics, Python API, CLI) calls this class; none touches a store.

Crash safety rests on ordering.  A save writes and fsyncs every blob *before* the one
transaction that inserts the entry, so a save killed at any point leaves either nothing
visible or a complete entry (at worst some unreferenced blobs, which ``collect_garbage``
removes).  A blob is only ever deleted while holding the lock on its ``blobs`` row (the
SQLite write lock; a row lock on PostgreSQL) after re-checking that nothing references it,
and a save re-checks, under the same lock, that each blob it references exists.  So a
concurrent delete can never leave an entry pointing at a missing blob.
"""
from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Callable, Iterator

import sqlalchemy as sa

from ..errors import (
    DamagedArtifact,
    ImmutableArtifact,
    InvalidArtifact,
    InvalidInput,
    ModelNotFound,
    TargetNotEmpty,
    Conflict,
)
from . import defaults, validation
from .blobstore import BlobStore, StoredBlob
from .hashing import CHUNK_HASH
from .engine import is_sqlite
from .filewrite import reporting_full_disk, reserve, write_all
from .entry import ModelEntry
from .listing import ListingCompiler, version_counts
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
)
from .source import is_git_folder, open_source
from .tables import artifact_blobs, artifacts, blobs, model_tags, models, version_sets
from .verified import BLOB_MISSING, check_blob, iter_verified
from .zipstream import iter_zip, zip_length

ProgressCallback = Callable[[int, int], None]
# How each editable field is checked; compartment/project ids go through check_namespace.
_FIELD_CHECKS = {
    "display_name": validation.check_display_name,
    "description": validation.check_description,
    "freeform_tags": validation.check_freeform_tags,
    "defined_metadata": validation.check_defined_metadata,
    "custom_metadata": validation.check_custom_metadata,
    "provenance": validation.check_provenance,
}

TEST_RESULTS = "ArtifactTestResults"  # of defined_metadata: set at save time, never edited
EDITABLE = ("display_name", "description", "freeform_tags", "defined_metadata", "custom_metadata",
            "provenance", "compartment_id", "project_id")
ARTIFACT_FIELDS = ("artifact", "artifact_digest", "artifact_size", "manifest", "input_schema",
                   "output_schema", "artifact_dir", "files")
READ_ONLY = ("id", "version", "version_set_id", "parent_id", "time_created", "time_updated",
             "created_by", "etag", "lifecycle_state")
_MAX_COMMIT_ATTEMPTS = 5


class _MissingBlobs(Exception):
    def __init__(self, shas):
        self.shas = shas


class CatalogService:
    """The catalog: immutable, versioned, searchable model storage.

    Build one with :func:`open_catalog`.  Thread-safe; share one per process.
    """

    def __init__(self, engine: sa.Engine, blob_store: BlobStore):
        self.engine = engine
        self.blobs = blob_store
        self.url = engine.url.render_as_string(hide_password=True)
        self.artifact_root = blob_store.url
        self._listing = ListingCompiler(engine.dialect.name, self._has_fts())

    # --- plumbing -------------------------------------------------------------------
    def _has_fts(self) -> bool:
        if not is_sqlite(self.engine):
            return False
        with self.engine.connect() as conn:
            return conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='models_fts'").first() is not None

    @contextlib.contextmanager
    def _write(self):
        with self.engine.connect().execution_options(catalog_write=True) as conn:
            with conn.begin():
                yield conn

    def _lock_blob_rows(self, conn, shas: list[str]) -> None:
        # SQLite: the write transaction already holds the database lock.
        if shas and not is_sqlite(self.engine):
            conn.execute(sa.select(blobs.c.sha256).where(blobs.c.sha256.in_(shas))
                         .order_by(blobs.c.sha256).with_for_update())

    def _insert_ignore(self, conn, table: sa.Table, rows: list[dict]) -> None:
        if not rows:
            return
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        conn.execute(insert(table).on_conflict_do_nothing(), rows)

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()

    def __enter__(self) -> "CatalogService":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- reading --------------------------------------------------------------------
    def _row(self, conn, model_id: str, *, for_update: bool = False):
        if not isinstance(model_id, str) or not model_id:
            raise InvalidInput("A model id is a non-empty string such as 'mdl-3f2a...'.")
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

    def _entries(self, conn, rows) -> list[ModelEntry]:
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

    def list(self, query: ModelQuery | None = None, **filters) -> Page:
        """One page of entries matching ``query`` (or keyword filters of ModelQuery).

        Inactive entries are left out unless ``state="INACTIVE"`` or ``"ALL"``.  Pass the
        returned ``next_page_token`` as ``page_token`` for the next page.
        """
        if query is None:
            query = ModelQuery.from_filters(**filters)
        else:
            if filters:
                ModelQuery.from_filters(**filters)  # refuses unknown names
                query = dataclasses.replace(query, **filters)
            query = query.normalized()
        stmt = self._listing.statement(query)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).fetchall()
            more = len(rows) > query.limit
            rows = rows[: query.limit]
            items = self._entries(conn, rows)
            total = conn.execute(self._listing.count_statement(query)).scalar() if query.count_total else None
        token = self._listing.next_token(query, rows[-1]) if more else None
        return Page(items=items, next_page_token=token, total=total, version_counts=version_counts(rows))

    def versions(self, model_id: str) -> list[ModelEntry]:
        """Every entry of the model's version set (all states), by ascending version."""
        with self.engine.connect() as conn:
            row = self._row(conn, model_id)
            rows = conn.execute(sa.select(models).where(models.c.version_set_id == row.version_set_id)
                                .order_by(models.c.version)).fetchall()
            return self._entries(conn, rows)

    # --- saving ---------------------------------------------------------------------
    def save(self, artifact, *, display_name, description="", compartment_id=None, project_id=None,
             freeform_tags=None, defined_metadata=None, custom_metadata=None, input_schema=None,
             output_schema=None, provenance=None, created_by=None, as_new_version_of=None,
             progress: ProgressCallback | None = None) -> ModelEntry:
        """Store an artifact (a directory or a .zip) with its metadata as a new entry.

        Every file is hashed while it streams into the blob store; identical bytes are stored
        once.  With ``as_new_version_of=<model id>`` the entry joins that model's version set
        with the next version number and ``parent_id`` set.  Schemas default to the
        artifact's ``input_schema.json`` / ``output_schema.json`` (or legacy ``schema.json``).
        ``progress(done_bytes, total_bytes)`` is called as bytes are stored.
        """
        name = validation.check_display_name(display_name)
        values = {
            "display_name": name,
            "description": validation.check_description(description),
            "compartment_id": validation.check_namespace("compartment_id", compartment_id)
            or defaults.default_compartment_id(),
            "project_id": validation.check_namespace("project_id", project_id) or defaults.default_project_id(),
            "freeform_tags": validation.check_freeform_tags(freeform_tags),
            "defined_metadata": validation.check_defined_metadata(defined_metadata),
            "custom_metadata": validation.check_custom_metadata(custom_metadata),
            "provenance": validation.check_provenance(provenance),
            "input_schema": validation.check_schema("input_schema", input_schema),
            "output_schema": validation.check_schema("output_schema", output_schema),
            "created_by": created_by or defaults.current_user(),
        }
        if created_by is not None and (not isinstance(created_by, str) or len(created_by) > 255):
            raise InvalidInput("created_by must be a user name of at most 255 characters.")
        base = self.get(as_new_version_of) if as_new_version_of is not None else None
        stored: dict[str, StoredBlob] = {}
        try:
            with open_source(artifact) as source:
                self._fill_schemas(values, source)
                self._store_files(source, progress, stored)
                return self._commit_save(values, source, stored, base)
        except BaseException:
            # A failed save (a file that changed, a full disk...) takes back the blobs it wrote
            # that no entry uses; a killed one leaves them to collect_garbage().
            with contextlib.suppress(Exception):
                self._collect([b.sha256 for b in stored.values() if b.written])
            raise

    def _commit_save(self, values: dict, source, stored: dict[str, StoredBlob],
                     base: ModelEntry | None) -> ModelEntry:
        manifest = [{"path": f.path, "size": f.size, "sha256": stored[f.path].sha256} for f in source.files]
        for attempt in range(_MAX_COMMIT_ATTEMPTS):
            try:
                return self._insert_entry(values, manifest, stored, base)
            except _MissingBlobs as missing:
                # A concurrent delete collected a blob we rely on: store it again.
                for f in source.files:
                    if stored[f.path].sha256 in missing.shas:
                        stored[f.path] = self.blobs.put(f.path, f.open, f.size)
            except sa.exc.IntegrityError:
                # Two saves took the same version number; the loser takes the next one.
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

    def _fill_schemas(self, values: dict, source) -> None:
        if values["input_schema"] is None:
            values["input_schema"] = source.read_json("input_schema.json")
        if values["output_schema"] is None:
            values["output_schema"] = source.read_json("output_schema.json")
        if values["input_schema"] is None and values["output_schema"] is None:
            legacy = source.read_json("schema.json")
            if isinstance(legacy, dict) and ("input_schema" in legacy or "output_schema" in legacy):
                values["input_schema"] = legacy.get("input_schema")
                values["output_schema"] = legacy.get("output_schema")
            elif isinstance(legacy, dict):
                values["input_schema"] = legacy
        for key in ("input_schema", "output_schema"):
            if values[key] is not None and not isinstance(values[key], dict):
                values[key] = {"schema": values[key]}

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

        if progress:
            progress(0, total)
        for f in source.files:
            stored[f.path] = self.blobs.put(f.path, f.open, f.size, likely_present=f.size in known_sizes,
                                            known_chunks=known_chunks.get(f.size), progress=tick)

    def _insert_entry(self, values: dict, manifest: list[dict], stored: dict[str, StoredBlob],
                      base: ModelEntry | None) -> ModelEntry:
        digest = manifest_digest(manifest)
        size = sum(m["size"] for m in manifest)
        by_sha = {b.sha256: b for b in stored.values()}
        shas = sorted(by_sha)
        with self._write() as conn:
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
            self._write_tags(conn, seq, values["freeform_tags"])
            return self._entries(conn, [conn.execute(sa.select(models).where(models.c.seq == seq)).first()])[0]

    @staticmethod
    def _write_tags(conn, seq: int, tags: dict[str, str]) -> None:
        conn.execute(model_tags.delete().where(model_tags.c.seq == seq))
        if tags:
            conn.execute(model_tags.insert(), [{"seq": seq, "key": k, "value": v} for k, v in tags.items()])

    # --- changing metadata -------------------------------------------------------------
    def update(self, model_id: str, *, etag: str | None = None, **changes) -> ModelEntry:
        """Change editable metadata; the artifact never changes.

        Editable: display_name, description, freeform_tags, defined_metadata,
        custom_metadata, provenance, compartment_id, project_id.  With ``etag`` the update
        only applies if the entry still has that etag (else :class:`Conflict`).
        """
        artifact_keys = sorted(k for k in changes if k in ARTIFACT_FIELDS)
        if artifact_keys:
            raise ImmutableArtifact(
                f"The artifact of model {model_id} never changes (you tried to set {', '.join(artifact_keys)}). "
                f"Artifacts never change: save a new version instead, e.g. "
                f"save(artifact_dir, ..., as_new_version_of='{model_id}').",
                model_id=model_id, fields=artifact_keys)
        read_only = sorted(k for k in changes if k in READ_ONLY)
        if read_only:
            hint = " Use deactivate() / activate() to change the lifecycle state." \
                if "lifecycle_state" in read_only else ""
            raise InvalidInput(f"{', '.join(read_only)} cannot be changed.{hint}", fields=read_only)
        unknown = sorted(set(changes) - set(EDITABLE))
        if unknown:
            raise InvalidInput(f"Unknown field {', '.join(unknown)}; editable fields: {', '.join(EDITABLE)}.",
                               fields=unknown)
        checked = self._check_changes(changes)
        return self._apply(model_id, etag, checked)

    @staticmethod
    def _check_changes(changes: dict) -> dict:
        out = {}
        for key, value in changes.items():
            check = _FIELD_CHECKS.get(key)
            out[key] = check(value) if check else validation.check_namespace(key, value)
        return out

    def _apply(self, model_id: str, etag: str | None, changes: dict) -> ModelEntry:
        with self._write() as conn:
            row = self._row(conn, model_id, for_update=True)
            if etag is not None and etag != row.etag:
                raise Conflict(
                    f"Model {model_id} was changed by someone else since you read it (your etag {etag} is "
                    f"stale; the current one is {row.etag}). Reload the model, re-apply your change and save again.",
                    model_id=model_id, current_etag=row.etag)
            if "defined_metadata" in changes:
                changes["defined_metadata"] = self._keep_test_results(row, changes["defined_metadata"])
            if changes:
                values = {}
                for key, value in changes.items():
                    if key in ("freeform_tags", "defined_metadata", "custom_metadata", "provenance"):
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
                if "freeform_tags" in changes:
                    self._write_tags(conn, row.seq, changes["freeform_tags"])
                row = conn.execute(sa.select(models).where(models.c.seq == row.seq)).first()
            return self._entries(conn, [row])[0]

    @staticmethod
    def _keep_test_results(row, defined: dict) -> dict:
        """ArtifactTestResults is what verify() found for this very artifact: it changes with
        the artifact only. Left out of an edit it is kept; changed, the edit is refused."""
        stored = loads(row.defined_metadata or "{}").get(TEST_RESULTS)
        if TEST_RESULTS not in defined:
            return {**defined, TEST_RESULTS: stored} if stored is not None else defined
        if defined[TEST_RESULTS] != stored:
            raise ImmutableArtifact(
                f"{TEST_RESULTS} of model {row.id} records how its artifact did in verify() and cannot be "
                "edited. Leave it out of defined_metadata (it is then kept); to record a new result, verify "
                f"the artifact and save it as a new version (as_new_version_of='{row.id}').",
                model_id=row.id, fields=[f"defined_metadata.{TEST_RESULTS}"])
        return defined

    def _set_state(self, model_id: str, state: str) -> ModelEntry:
        with self._write() as conn:
            row = self._row(conn, model_id, for_update=True)
            if row.lifecycle_state != state:
                conn.execute(models.update().where(models.c.seq == row.seq).values(
                    lifecycle_state=state, time_updated=max(now_us(), row.time_updated + 1), etag=new_etag()))
                row = conn.execute(sa.select(models).where(models.c.seq == row.seq)).first()
            return self._entries(conn, [row])[0]

    def deactivate(self, model_id: str) -> ModelEntry:
        """Hide the entry from default listings (it stays downloadable)."""
        return self._set_state(model_id, "INACTIVE")

    def activate(self, model_id: str) -> ModelEntry:
        """Show an inactive entry in default listings again."""
        return self._set_state(model_id, "ACTIVE")

    # --- deleting -----------------------------------------------------------------------
    def delete(self, model_id: str) -> None:
        """Remove the entry; its blobs go too unless another entry uses them."""
        with self._write() as conn:
            row = self._row(conn, model_id, for_update=True)
            conn.execute(model_tags.delete().where(model_tags.c.seq == row.seq))
            conn.execute(models.delete().where(models.c.seq == row.seq))
            if conn.execute(sa.select(models.c.seq).where(models.c.version_set_id == row.version_set_id)
                            .limit(1)).first() is None:  # the set's last version: nothing can follow it
                conn.execute(version_sets.delete().where(version_sets.c.id == row.version_set_id))
            candidates = self._release_artifact(conn, row.artifact_digest)
        # A crash here leaves unreferenced blobs only; collect_garbage() finds them.
        self._collect(candidates)

    def _release_artifact(self, conn, digest: str) -> list[str]:
        still_used = conn.execute(sa.select(models.c.seq).where(models.c.artifact_digest == digest).limit(1)).first()
        if still_used is not None:
            return []
        shas = list(conn.execute(sa.select(artifact_blobs.c.sha256).where(artifact_blobs.c.digest == digest)).scalars())
        conn.execute(artifact_blobs.delete().where(artifact_blobs.c.digest == digest))
        conn.execute(artifacts.delete().where(artifacts.c.digest == digest))
        return shas

    def _collect(self, shas: list[str]) -> list[str]:
        """Delete the blobs among ``shas`` that nothing references; returns those deleted."""
        if not shas:
            return []
        shas = sorted(set(shas))
        with self._write() as conn:
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
        if getattr(self.blobs, "root", None):  # a local store: look at the files themselves
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
        return {"removed_blobs": removed + stray, "removed_tmp_files": tmp_removed, "freed_bytes": freed}

    # --- reading artifacts back -------------------------------------------------------------
    def _chunk_index(self, shas: list[str]) -> dict[str, tuple[int, bytes, int | None, str]]:
        """``{sha256: (chunk size, chunk digests, crc32, chunk digest function)}``."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(blobs.c.sha256, blobs.c.chunk_size, blobs.c.chunk_digests, blobs.c.crc32,
                                          blobs.c.chunk_hash)
                                .where(blobs.c.sha256.in_(sorted(set(shas))))).fetchall()
        return {r.sha256: (r.chunk_size, bytes(r.chunk_digests or b""), r.crc32, r.chunk_hash) for r in rows}

    def _file_chunks(self, entry: ModelEntry, item: dict, index: dict,
                     reuse_buffers: bool = False) -> Iterator[bytes]:
        chunk_size, digests, _, chunk_hash = index.get(item["sha256"], (self.blobs.chunk_size, b"", None, ""))
        chunks = iter_verified(self.blobs, sha256=item["sha256"], size=item["size"], chunk_digests=digests,
                               chunk_size=chunk_size, chunk_hash=chunk_hash, path=item["path"],
                               model_id=entry.id, reuse_buffers=reuse_buffers)
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

    def iter_file(self, model_id: str, path: str, reuse_buffers: bool = False) -> Iterator[bytes]:
        """The bytes of one artifact file, each chunk checked before it is yielded.

        ``reuse_buffers``: yield memoryviews of recycled buffers, each valid until two more
        chunks have been asked for (faster for a consumer that writes each chunk out)."""
        entry = self.get(model_id)
        item = next((m for m in entry.manifest if m["path"] == path), None)
        if item is None:
            raise ModelNotFound(f"Model {model_id} has no file '{path}'. Its files: "
                                f"{', '.join(m['path'] for m in entry.manifest[:20])}.", model_id=model_id, path=path)
        return self._file_chunks(entry, item, self._chunk_index([item["sha256"]]), reuse_buffers)

    def _zip_entries(self, entry: ModelEntry, reuse_buffers: bool = False) -> list[tuple]:
        """``(name, size, crc32 or None, chunks())`` per file, for zipstream."""
        index = self._chunk_index([m["sha256"] for m in entry.manifest])
        return [(m["path"], m["size"], index.get(m["sha256"], (0, b"", None, ""))[2],
                 (lambda m=m: self._file_chunks(entry, m, index, reuse_buffers))) for m in entry.manifest]

    def iter_zip(self, model_id: str, reuse_buffers: bool = False) -> Iterator[bytes]:
        """The artifact as a streamed zip.  Each chunk is checked before it is yielded: a
        damaged chunk raises DamagedArtifact instead, so the stream stops short (the zip is
        left incomplete) and no damaged byte is ever served.  Use :meth:`verify` first to
        refuse a damaged artifact up front.  ``reuse_buffers``: as for :meth:`iter_file`."""
        entry = self.get(model_id)
        return iter_zip(self._zip_entries(entry, reuse_buffers), date_time=entry.time_created)

    def zip_size(self, model_id: str) -> int:
        """The exact length in bytes of :meth:`iter_zip`'s stream for this model."""
        return _zip_size(self._zip_entries(self.get(model_id)))

    def download(self, model_id: str, target_dir, force_overwrite: bool = False,
                 progress: ProgressCallback | None = None) -> Path:
        """Write the artifact's files into ``target_dir`` and return its path.

        A new or empty target folder receives the files only once all are written and
        checked: they go to a hidden folder first (beside a new target, then renamed to it;
        inside an empty one, then moved up), so a failed download leaves no half artifact.  A non-empty target is refused
        unless ``force_overwrite``, which replaces the artifact's files one by one (each only
        once complete and intact) and leaves other files alone.
        """
        entry = self.get(model_id)
        target = Path(os.fspath(target_dir)).expanduser()
        if target.exists() and not target.is_dir():
            raise InvalidInput(f"The download target '{target}' is a file; pass a folder.")
        missing = [p for p in target.parents if not p.exists()]  # nearest first
        above = target.parents[len(missing)] if len(missing) < len(target.parents) else None
        if above is not None and not above.is_dir():
            raise InvalidInput(f"The download target '{target}' lies under '{above}', which is a file; "
                               "pass a folder.")
        filled = target.is_dir() and any(target.iterdir())
        if filled and not force_overwrite:
            raise TargetNotEmpty(
                f"The folder '{target}' is not empty. Pick an empty or new folder, or pass "
                "force_overwrite=True (--force) to replace the artifact's files in it.", path=str(target))
        if filled:
            self._write_files(entry, target, target, progress)
            return target
        hidden = f".{target.name or 'download'}.{uuid.uuid4().hex[:8]}.partial"
        # An empty folder (perhaps a mount point, or with its own permissions) stays; the
        # files are staged inside it.  A new folder is staged beside it and renamed.
        staging = target / hidden if target.is_dir() else target.parent / hidden
        try:
            staging.mkdir(parents=True)
        except OSError as exc:
            for folder in missing:
                with contextlib.suppress(OSError):
                    folder.rmdir()
            if exc.errno == errno.ENOSPC:
                raise
            # Its message would name the hidden staging folder, which the user never chose.
            raise InvalidInput(f"Cannot write the download into '{target}': {exc.strerror or exc}. "
                               "Pick a folder you can create and write to.", path=str(target)) from None
        try:
            self._write_files(entry, staging, target, progress)
            if staging.parent == target:
                for child in staging.iterdir():
                    os.replace(child, target / child.name)
            else:
                os.replace(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            for folder in missing:  # and the folders made to hold it
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise
        shutil.rmtree(staging, ignore_errors=True)
        return target

    def _write_files(self, entry: ModelEntry, folder: Path, shown: Path,
                     progress: ProgressCallback | None) -> None:
        """Write each file of ``entry`` into ``folder`` (named ``shown`` in messages), each
        under a temporary name until complete and checked."""
        for item in entry.manifest:  # all checked before the first file is written
            _check_download_path(entry, item["path"], folder, shown)
        index = self._chunk_index([m["sha256"] for m in entry.manifest])
        total, done = entry.artifact_size, 0
        if progress:
            progress(0, total)
        for item in entry.manifest:
            dest = folder.joinpath(*item["path"].split("/"))
            dest.parent.mkdir(parents=True, exist_ok=True)
            # A short name: the file's own may already be as long as the filesystem allows.
            partial = dest.parent / f".{uuid.uuid4().hex[:12]}.partial"
            try:
                with _full_target(shown, item["path"], item["size"]), open(partial, "xb") as out:
                    reserve(out, item["size"])
                    for chunk in self._file_chunks(entry, item, index, reuse_buffers=True):
                        write_all(out, chunk)
                        done += len(chunk)
                        if progress:
                            progress(done, total)
                if dest.is_dir():
                    shutil.rmtree(dest)
                os.replace(partial, dest)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(partial)

    def write_zip(self, model_id: str, target, force_overwrite: bool = False,
                  progress: ProgressCallback | None = None) -> Path:
        """Write the artifact as one zip file at ``target`` and return its path.

        The bytes of :meth:`iter_zip`, written to a ``.partial`` file that takes its name
        only when complete and intact: a damaged file never leaves a complete-looking zip.
        An existing ``target`` needs ``force_overwrite``.
        """
        entry = self.get(model_id)
        target = Path(os.fspath(target)).expanduser()
        if target.is_dir():
            raise InvalidInput(f"The zip target '{target}' is a folder; pass a file name.")
        if target.exists() and not force_overwrite:
            raise TargetNotEmpty(f"'{target}' exists; pass force_overwrite=True (--force) to replace it.",
                                 path=str(target))
        total, done = entry.artifact_size, 0
        if progress:
            progress(0, total)
        missing = [p for p in target.parents if not p.exists()]  # nearest first
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partial")
        entries = self._zip_entries(entry, reuse_buffers=True)
        size = _zip_size(entries)
        try:
            with _full_target(target.parent, target.name, size), open(partial, "xb") as out:
                reserve(out, size)
                for chunk in iter_zip(entries, date_time=entry.time_created):
                    write_all(out, chunk)
                    done += len(chunk)
                    if progress:
                        progress(min(done, total), total)
            os.replace(partial, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)
            for folder in missing:  # a failed download leaves no folder it made either
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise
        return target

    # --- checking -------------------------------------------------------------------------
    def verify(self, model_id: str | None = None) -> list[dict]:
        """Re-hash stored bytes; one dict per damaged file of each affected entry.

        Each report: ``{id, display_name, version, path, sha256, problem}``.  An empty list
        means every checked byte is intact.  ``model_id=None`` checks the whole catalog.
        """
        with self.engine.connect() as conn:
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
                    reports.append(self._report(entry, item, problems[sha]))
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
            by_state = dict(conn.execute(sa.select(models.c.lifecycle_state, sa.func.count())
                                         .group_by(models.c.lifecycle_state)).all())
            n_blobs, stored = conn.execute(sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(blobs.c.size), 0))).one()
            n_art = conn.execute(sa.select(sa.func.count()).select_from(artifacts)).scalar()
        return {"models": sum(by_state.values()), "by_state": by_state, "artifacts": n_art,
                "blobs": n_blobs, "stored_bytes": int(stored)}


def open_catalog(url: str | None = None, artifact_root: str | None = None, *,
                 storage_options: dict | None = None) -> CatalogService:
    """Open (creating and migrating as needed) a catalog.

    ``url``: ``sqlite:////path/catalog.db`` or ``postgresql+psycopg://user@host/db``;
    default ``$MODEL_CATALOG_URL`` else an SQLite file under the Jupyter data dir.
    ``artifact_root``: a path or fsspec URL (``s3://bucket/prefix``); default
    ``$MODEL_CATALOG_ARTIFACT_ROOT`` else ``blobs/`` next to the default database.
    ``storage_options`` go to fsspec (e.g. ``{"client_kwargs": {"endpoint_url": ...}}``).
    Raises CatalogError saying which part cannot be opened (database or artifact root),
    where its setting came from and what to check.
    """
    from .opening import open_explained

    return open_explained(url, artifact_root, storage_options)


def _full_target(folder, name: str, size: int):
    return reporting_full_disk(f"'{folder}'", f"'{name}'", size,
                               "Free some space there (or pick another folder), then download again.")


def _zip_size(entries: list[tuple]) -> int:
    return zip_length((name, size, crc is not None) for name, size, crc, _ in entries)


def _check_download_path(entry: ModelEntry, rel: str, folder: Path, shown: Path) -> None:
    """Refuse to write an artifact file where it could do harm: outside the folder, through
    a symbolic link already in it (to wherever the link points), or into a ``.git`` folder
    (git runs commands named in its config, so such a file could run code in whoever uses
    git there).  Saves leave ``.git`` out; this guards entries stored before they did."""
    parts = rel.split("/")
    if any(is_git_folder(part) for part in parts):
        raise InvalidArtifact(
            f"Model {entry.id} holds '{rel}', inside a .git folder, which a download never writes: "
            "it would make the folder part of a git repository run by that file. Download the zip "
            "instead and look at it, or save the model again without it.", model_id=entry.id, path=rel)
    dest = folder.joinpath(*parts)
    if not os.path.abspath(dest).startswith(os.path.abspath(folder) + os.sep):
        raise InvalidInput(f"Refusing to write '{rel}' outside '{shown}'.")  # defense in depth
    here = folder
    for part in parts:
        here = here / part
        if os.path.islink(here):
            shown_path = shown.joinpath(*here.relative_to(folder).parts)
            raise InvalidInput(
                f"'{shown_path}' is a symbolic link: a download does not write through links "
                "(it could put files anywhere the link points). Remove the link, or download into "
                "another folder.", path=str(shown_path))
