"""Resumable uploads: an artifact sent in parts, through any instance of the service, saved
only once every byte is checked.

A session is opened with the save's metadata and the artifact's manifest (each file's path,
size and sha256) and answers with its part size.  Each part of each file is then sent on
its own with its sha256, written straight to the store's ``uploads/`` folder (see
``staging.py``) and kept only when it has those bytes; asking for the session says which
parts are there, so a client that lost its connection -- or whose service instance died --
sends only the rest, through any instance.  Completing publishes each file once its parts
are found to make its announced sha256 and size, then saves the entry as any save does: all
or nothing.  Sessions live in the store, not in one process, and ``collect_garbage`` removes
those left idle.

A session's id is derived from its owner and the client's ``resume_key`` (the client makes
it from the metadata and manifest), so sending the same save again finds the same session:
after an interruption, in another process, through another instance.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import CatalogUnavailable, InvalidArtifact, InvalidInput, PayloadTooLarge, UploadNotFound
from . import fields
from .name_length import refuse_overlong_name
from .source import ArtifactSource, SourceFile, is_git_folder
from .upload_digests import RECEIVED, RunningDigests
from .upload_parts import FileDigests, PartMismatch, PartWriter, StagedPart

if TYPE_CHECKING:
    from .blobstore import StoredBlob
    from .catalog_service import CatalogService
    from .entry import ModelEntry
    from .staging import Staging

DEFAULT_PART_SIZE = 64 * 1024 * 1024
MIN_PART_SIZE = 5 * 1024 * 1024  # S3's smallest part that is not the last
MAX_PART_SIZE = 1024 * 1024 * 1024
MAX_FILES = 100_000
DONE_MARKER = "done.json"
COMPLETING_MARKER = "completing.json"
COMPLETING_FOR = 30 * 60  # seconds: longer than checking and assembling any upload takes
_SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_RESUME_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
SAVE_FIELDS = set(fields.SAVE_METADATA) | {"as_new_version_of"}


@dataclass(frozen=True)
class DeclaredFile:
    path: str
    size: int
    sha256: str


def parts_of(size: int, part_size: int) -> int:
    """How many parts a file of ``size`` bytes is sent in (an empty file: none)."""
    return -(-size // part_size)


def part_length(size: int, part_size: int, number: int) -> int:
    """The length of part ``number`` (from 0) of a file of ``size`` bytes."""
    return max(0, min(part_size, size - number * part_size))


class UploadSessions:
    """The upload sessions of a catalog whose store keeps them in ``staging``."""

    def __init__(self, service: CatalogService, staging: Staging):
        self.service = service
        self.staging = staging

    # --- opening and asking -----------------------------------------------------------------
    def open(self, owner: str | None, metadata: Any, files: Any, resume_key: Any = None,
             max_size: int | None = None, part_size: Any = None) -> dict:
        """Open a session for saving ``files`` with ``metadata`` in parts of ``part_size``
        bytes (or find the one this owner opened with the same ``resume_key``); its status."""
        part_size = DEFAULT_PART_SIZE if part_size is None else part_size
        if (not isinstance(part_size, int) or isinstance(part_size, bool)
                or not MIN_PART_SIZE <= part_size <= MAX_PART_SIZE):
            raise InvalidInput(f"part_size is {MIN_PART_SIZE} (5 MiB) to {MAX_PART_SIZE} (1 GiB) bytes.")
        metadata = check_metadata(metadata)
        declared = check_declared_files(files)
        total = sum(f.size for f in declared)
        if max_size is not None and total > max_size:
            raise PayloadTooLarge(f"The upload is {total} bytes; this service accepts at most {max_size} "
                                  "(c.ModelCatalogConfig.max_upload_size). Nothing was stored.", limit=max_size)
        if metadata.get("as_new_version_of"):
            self.service.get(metadata["as_new_version_of"])  # 404 now, not after the upload
        self.service.check_may_save(**metadata)  # 403 now too
        if resume_key is not None and (not isinstance(resume_key, str) or not _RESUME_KEY.match(resume_key)):
            raise InvalidInput("resume_key is 1 to 128 letters, digits, '.', '_' or '-'.")
        session_id = (hashlib.sha256(f"{owner}\0{resume_key}".encode()).hexdigest()[:32] if resume_key
                      else secrets.token_hex(16))
        record = {"owner": owner, "metadata": metadata, "part_size": part_size,
                  "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in declared]}
        existing = self.staging.read_session(session_id)
        if existing is not None and self.staging.read_marker(session_id, DONE_MARKER) is None:
            if {k: existing.get(k) for k in record} != record:
                raise InvalidInput("This resume_key already names an upload of other files or metadata: "
                                   "send another resume_key.", upload_id=session_id)
            return self._status(session_id, existing)
        if existing is not None:  # done already: the same save again is a new save
            self.staging.delete_session(session_id)
        record["created"] = time.time()
        record["nonce"] = secrets.token_hex(8)  # tells this session from a later one of the same id
        self.staging.write_session(session_id, record)
        return self._status(session_id, record)

    def status(self, owner: str | None, session_id: str) -> dict:
        """Which parts of the session are there, and (once completed) the model it made."""
        return self._status(session_id, self._session(owner, session_id))

    def _session(self, owner: str | None, session_id: str) -> dict:
        record = self.staging.read_session(session_id) if _SESSION_ID.match(session_id or "") else None
        if record is None or record.get("owner") != owner:  # another's session is none of yours
            raise UploadNotFound(f"No upload session '{session_id}': it was completed and collected, collected "
                                 "after being left idle, or never opened. Save again.", upload_id=session_id)
        return record

    def _status(self, session_id: str, record: dict) -> dict:
        done = self.staging.read_marker(session_id, DONE_MARKER)
        received = [] if done else [[p.file, p.number, p.sha256] for p in self.staging.parts(session_id)]
        part_size = record["part_size"]
        completing = not done and self.staging.read_marker(session_id, COMPLETING_MARKER) is not None
        return {"id": session_id, "part_size": part_size, "model_id": done["model_id"] if done else None,
                "completing": completing,
                "files": [{**f, "parts": parts_of(f["size"], part_size)} for f in record["files"]],
                "received": received}

    # --- receiving a part -------------------------------------------------------------------
    def part_writer(self, owner: str | None, session_id: str, file: int, number: int, sha256: str | None,
                    length: int | None) -> _RefusingWriter:
        """Where part ``number`` of file ``file`` goes, checked against ``sha256`` and its length."""
        record = self._session(owner, session_id)
        if self.staging.read_marker(session_id, DONE_MARKER) is not None:
            raise InvalidInput(f"The upload session {session_id} is completed; it takes no more parts.")
        files = record["files"]
        if not 0 <= file < len(files):
            raise InvalidInput(f"The upload has files 0 to {len(files) - 1}, not {file}.")
        size, part_size = files[file]["size"], record["part_size"]
        count = parts_of(size, part_size)
        if not 0 <= number < count:
            raise InvalidInput(f"'{files[file]['path']}' is sent in parts 0 to {count - 1} of {part_size} bytes, "
                               f"not part {number}.")
        expected = part_length(size, part_size, number)
        if length is not None and length != expected:
            raise InvalidInput(f"Part {number} of '{files[file]['path']}' is {expected} bytes, not {length}.")
        if not isinstance(sha256, str) or not _SHA256.match(sha256):
            raise InvalidInput("Send each part with its sha256: Content-Digest: sha-256=:<base64 of the digest>:")
        label = f"Part {number} of '{files[file]['path']}'"
        writer = self.staging.part_writer(session_id, file, number, expected, sha256)
        key = upload_key(session_id, record)
        return _RefusingWriter(writer, label, key, file,
                               RECEIVED.start_part(key, file, number, self.staging.blobs.chunk_size))

    def part_received(self, session_id: str, file: int, number: int, sha256: str) -> None:
        """A part arrived whole: the same part sent before with other bytes no longer counts."""
        for part in self.staging.parts(session_id):
            if (part.file, part.number) == (file, number) and part.sha256 != sha256:
                self.staging.remove_part(session_id, part)

    # --- completing -------------------------------------------------------------------------
    def complete(self, owner: str | None, session_id: str) -> ModelEntry:
        """Check every file, publish it and save the entry; the same entry when done already.

        Exactly once: the save carries the session's ``upload_key``, and the catalog saves
        one entry per key (``CatalogBackend.save``), so two completes at the same instant,
        through any instances, or a retry after a failure that followed the save, all answer
        the one entry."""
        record = self._session(owner, session_id)
        done = self.staging.read_marker(session_id, DONE_MARKER)
        if done is not None:
            return self.service.get(done["model_id"])
        try:
            return self._complete(owner, session_id, record)
        except Exception:
            # Parts that went away as they were read (or a missing part) because a complete
            # running at the same time finished first -- it marks the session done before it
            # removes them: its entry.
            with contextlib.suppress(Exception):
                done = self.staging.read_marker(session_id, DONE_MARKER)
            if done is None:
                raise
            return self.service.get(done["model_id"])

    def _complete(self, owner: str | None, session_id: str, record: dict) -> ModelEntry:
        part_size = record["part_size"]
        by_file: dict[int, dict[int, StagedPart]] = {}
        for part in self.staging.parts(session_id):
            by_file.setdefault(part.file, {})[part.number] = part
        missing, plan = [], []
        for index, item in enumerate(record["files"]):
            have = by_file.get(index, {})
            count = parts_of(item["size"], part_size)
            missing += [[index, n] for n in range(count) if n not in have]
            plan.append((item, [have[n] for n in range(count) if n in have]))
        if missing:
            raise InvalidInput(f"{len(missing)} part(s) of the upload have not arrived (first: file "
                               f"{missing[0][0]}, part {missing[0][1]}); send them, then complete it.",
                               missing=missing[:1000], upload_id=session_id)
        # A client that stopped waiting (a timeout, a lost answer) and asks again while the
        # first request still checks gigabytes must not save a second model: it is told to
        # wait, and GET uploads/{id} names the model once there.  A marker older than
        # COMPLETING_FOR is one a killed instance left: completing starts again.
        completing = self.staging.read_marker(session_id, COMPLETING_MARKER)
        if completing is not None and time.time() - completing.get("since", 0) < COMPLETING_FOR:
            raise CatalogUnavailable(f"The upload {session_id} is being completed by an earlier request; "
                                     "ask for it (GET uploads/{id}) until it names its model.",
                                     retry_after=5, completing=True, upload_id=session_id)
        self.staging.write_marker(session_id, COMPLETING_MARKER, {"since": time.time()})
        try:
            key = upload_key(session_id, record)
            # The files this process hashed as their parts came in are not read back.
            known = {item["path"]: RECEIVED.take(key, index, parts) for index, (item, parts) in enumerate(plan)}
            source = _StagedSource(self.staging, session_id, plan, key, known)
            entry = self.service.save(source, created_by=owner, **dict(record["metadata"]))
            try:
                self.staging.write_marker(session_id, DONE_MARKER, {"model_id": entry.id})
            except Exception as exc:  # the store failed: completing again finds the entry saved
                raise CatalogUnavailable(f"The upload {session_id} saved model {entry.id}, but the store failed "
                                         f"as it was closed ({str(exc)[:200]}); complete it again to get that "
                                         "model.", retry_after=1, upload_id=session_id, model_id=entry.id) from exc
        finally:
            with contextlib.suppress(Exception):  # left behind, it only makes a retry wait; done wins over it
                self.staging.remove_marker(session_id, COMPLETING_MARKER)
        with contextlib.suppress(Exception):  # the session is done: what stays, garbage collection removes
            self.staging.remove_parts(session_id)
        return entry

    def cancel(self, owner: str | None, session_id: str) -> None:
        """Drop the session and its parts."""
        self._session(owner, session_id)
        self.staging.delete_session(session_id)


class _RefusingWriter:
    """A part writer whose refusal of bytes that are not the ones announced is the
    InvalidArtifact (422) a client is told: which part, why, and that nothing was kept.
    It also feeds the bytes to the running digests of their file (``upload_digests.py``)."""

    def __init__(self, writer: PartWriter, label: str, upload: str, file: int, digests: RunningDigests | None):
        self._writer, self._label = writer, label
        self.size, self.sha256 = writer.size, writer.sha256
        self._upload, self._file, self._digests = upload, file, digests

    def write(self, data) -> None:
        self._refusing(self._writer.write, data)
        if self._digests is not None:
            self._digests.update(data)

    def finish(self) -> None:
        self._refusing(self._writer.finish)
        digests, self._digests = self._digests, None
        if digests is not None:
            RECEIVED.part_done(self._upload, self._file, digests, self.sha256)

    def abort(self) -> None:
        self._writer.abort()
        digests, self._digests = self._digests, None
        if digests is not None:
            RECEIVED.part_failed(digests)

    def _refusing(self, fn, *args) -> None:
        try:
            fn(*args)
        except PartMismatch as exc:
            self.abort()
            raise InvalidArtifact(f"{self._label} was refused and nothing of it kept: {exc}. Send it again.",
                                  problem="part_digest") from None
        except OSError as exc:  # the object store (or disk) failed: the part can simply be sent again
            self.abort()
            raise CatalogUnavailable(f"{self._label} could not be stored ({str(exc)[:200]}); nothing of it was "
                                     "kept. Send it again.", retry_after=1) from exc


class _StagedSource(ArtifactSource):
    """The files of a session as a save reads them; the store publishes each one from its
    parts (``publish``) instead of copying it."""

    def __init__(self, staging: Staging, session_id: str, plan: list[tuple[dict, list[StagedPart]]],
                 key: str, known: dict[str, FileDigests | None]):
        self._staging, self._session = staging, session_id
        self.upload_key = key
        self._known = known
        self._plan = {item["path"]: (item, parts) for item, parts in plan}
        files = [SourceFile(item["path"], item["size"], functools.partial(staging.open_parts, session_id, parts))
                 for item, parts in plan]
        super().__init__(files, f"upload {session_id}")

    def publish(self, file: SourceFile) -> StoredBlob:
        item, parts = self._plan[file.path]
        try:
            return self._staging.publish(self._session, file.path, parts, item["size"], item["sha256"],
                                         self._known.get(file.path))
        except PartMismatch as exc:
            raise InvalidArtifact(f"'{file.path}' of the upload was refused: {exc}. Nothing was saved; send its "
                                  "parts again (each in its place) and complete the upload again.",
                                  path=file.path) from None
        except FileNotFoundError:  # cancelled (or collected) while it was being completed
            raise UploadNotFound(f"The parts of '{file.path}' went away while the upload was being completed (it was "
                                 "cancelled, or collected as abandoned). Nothing was saved; start the upload "
                                 "again.", path=file.path) from None


def upload_key(session_id: str, record: dict) -> str:
    """What the catalog knows this session's save by: its id and nonce (an id comes back when
    the same save is sent again after it was done, and is then a new save)."""
    nonce = record.get("nonce") or f"{int(record.get('created', 0) * 1e6):x}"  # a session opened before nonces
    return f"{session_id}.{nonce}"


def check_metadata(metadata: Any) -> dict:
    """The save's metadata, refused now (not after gigabytes arrived) when it is bad."""
    if not isinstance(metadata, dict):
        raise InvalidInput("metadata must be a JSON object such as {\"display_name\": \"churn\"}.")
    unknown = sorted(set(metadata) - SAVE_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown metadata field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(SAVE_FIELDS))}.")
    if not metadata.get("display_name"):
        raise InvalidInput("The metadata needs a display_name.")
    for name, value in metadata.items():
        if name != "as_new_version_of" and value is not None:
            fields.check_field(name, value)
    base = metadata.get("as_new_version_of")
    if base is not None and not isinstance(base, str):
        raise InvalidInput("as_new_version_of is a model id.")
    return metadata


def check_declared_files(files: Any) -> list[DeclaredFile]:
    """The manifest a client declares, held to the rules a save holds a folder or zip to."""
    if not isinstance(files, list) or not files:
        raise InvalidInput("files must be the artifact's manifest: [{\"path\", \"size\", \"sha256\"}, ...].")
    if len(files) > MAX_FILES:
        raise InvalidInput(f"An upload holds at most {MAX_FILES} files.")
    declared, seen = [], set()
    for item in files:
        if not isinstance(item, dict) or set(item) != {"path", "size", "sha256"}:
            raise InvalidInput("Each file of the manifest is {\"path\", \"size\", \"sha256\"}.")
        path, size, sha = item["path"], item["size"], item["sha256"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise InvalidInput(f"The size of '{path}' must be a whole number of bytes.")
        if not isinstance(sha, str) or not _SHA256.match(sha):
            raise InvalidInput(f"The sha256 of '{path}' must be 64 lowercase hexadecimal digits.")
        if not isinstance(path, str) or not path or path.startswith("/") or "\\" in path or "\0" in path:
            raise InvalidArtifact(f"'{path}' is not a relative path with '/' between its folders.", path=str(path))
        parts = path.split("/")
        if any(p in ("", ".", "..") for p in parts) or re.match(r"^[A-Za-z]:", path):
            raise InvalidArtifact(f"The path '{path}' climbs out of the artifact or is not plain; refused.", path=path)
        if any(is_git_folder(p) for p in parts):
            raise InvalidArtifact(f"'{path}' is inside a git folder, which artifacts never hold.", path=path)
        refuse_overlong_name(path, "The upload")
        if path in seen:
            raise InvalidArtifact(f"The upload lists '{path}' twice; keep one.", path=path)
        seen.add(path)
        declared.append(DeclaredFile(path, size, sha))
    for f in declared:
        parents = f.path.split("/")[:-1]
        clash = next((p for p in ("/".join(parents[:i + 1]) for i in range(len(parents))) if p in seen), None)
        if clash is not None:
            raise InvalidArtifact(f"The upload holds '{clash}' both as a file and as the folder of '{f.path}'.",
                                  path=clash)
    if "score.py" not in seen:
        raise InvalidArtifact("The upload has no score.py at its top level. A model artifact needs score.py "
                              "with load_model() and predict().", path="score.py")
    return sorted(declared, key=lambda f: f.path)
