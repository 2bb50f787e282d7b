"""Where an uploaded artifact goes while it arrives: a temporary file, never memory.

The file lives in a folder the catalog owns and collects -- the blob store's ``tmp/`` for a
local store -- so one left by a server killed mid-upload is removed by
``jupyter model-catalog gc`` (and at the next start, once older than its grace period).
Object stores have no local folder: their uploads go to ``model-catalog-uploads`` in the
system's temporary folder.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import time
import uuid
from pathlib import Path

from ..catalog.filewrite import reporting_full_disk
from ..errors import InvalidInput
from .json_input import parse_json
from .multipart import MultipartStream

MAX_METADATA_BYTES = 1024 * 1024
SHOWN_NAME = "artifact.zip"  # what messages call the spooled zip: the client never saw its real name


def spool_folder_of(service) -> str:
    """The folder ``service``'s uploads are received in: its backend's, else the default."""
    return service.spool_folder() or default_spool_folder()


def remove_stale_uploads(folder: str, grace_seconds: float = 3600) -> int:
    """Remove what killed servers left in a spool folder the backend does not collect (older
    than ``grace_seconds``, so an upload in progress elsewhere keeps its file); how many."""
    cutoff, removed = time.time() - grace_seconds, 0
    for path in Path(folder).glob("upload-*.zip"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
    return removed


def default_spool_folder() -> str:
    folder = os.path.join(tempfile.gettempdir(), "model-catalog-uploads")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return folder


class _FileSink:
    def __init__(self, path: Path):
        self._file = open(path, "wb")

    def write(self, data: bytes) -> None:
        self._file.write(data)

    def close(self) -> None:
        self._file.close()


class _MemorySink:
    def __init__(self, limit: int):
        self.data = bytearray()
        self._limit = limit

    def write(self, data: bytes) -> None:
        self.data += data
        if len(self.data) > self._limit:
            raise InvalidInput("The 'metadata' part is larger than 1 MiB.")

    def close(self) -> None:
        pass


class ArtifactUpload:
    """Receives ``POST models``: multipart (parts 'metadata' + 'artifact') or a raw zip body."""

    def __init__(self, content_type: str, metadata_param: str | None, spool_folder: str | None = None):
        self._metadata_sink: _MemorySink | None = None
        self._metadata_param = metadata_param
        self._raw = None
        self._multipart = None
        self._artifact_sink: _FileSink | None = None
        self._artifact_seen = False
        # Every refusal of the request's headers comes before the spool file exists.
        kind = content_type.split(";")[0].strip().lower()
        if kind == "multipart/form-data":
            self._multipart = MultipartStream(_boundary(content_type), self._open_part)
        elif kind not in ("application/zip", "application/x-zip-compressed", "application/octet-stream"):
            raise InvalidInput(
                f"Upload the artifact as multipart/form-data (parts 'metadata' and 'artifact') or as "
                f"an application/zip body; got Content-Type '{content_type or 'none'}'."
            )
        self.folder = Path(spool_folder or default_spool_folder())
        self.zip_path = self.folder / f"upload-{uuid.uuid4().hex}.zip"
        self.shown_name = SHOWN_NAME
        if self._multipart is None:
            self._raw = open(self.zip_path, "xb")
            self._artifact_seen = True

    def _open_part(self, name, filename, headers):
        if name == "metadata":
            self._metadata_sink = _MemorySink(MAX_METADATA_BYTES)
            return self._metadata_sink
        if name == "artifact":
            if self._artifact_seen:
                raise InvalidInput("Send one 'artifact' part only.")
            self._artifact_seen = True
            self._artifact_sink = _FileSink(self.zip_path)
            return self._artifact_sink
        raise InvalidInput(f"Unknown multipart part '{name}'; send 'metadata' and 'artifact'.")

    def feed(self, chunk: bytes) -> None:
        with self._full_disk():
            if self._raw is not None:
                self._raw.write(chunk)
            else:
                self._multipart.feed(chunk)

    def _full_disk(self):
        return reporting_full_disk(f"the folder uploads are received in, {self.folder},", "the uploaded artifact",
                                   None, "Nothing was stored. Ask the server's administrator to free some space.")

    def finish(self) -> dict:
        """Close the body and return the metadata JSON object."""
        if self._raw is not None:
            with self._full_disk():
                self._raw.close()
            text = self._metadata_param
        else:
            with self._full_disk():
                self._multipart.finish()
            text = bytes(self._metadata_sink.data) if self._metadata_sink else None
        if not self._artifact_seen:
            raise InvalidInput("The upload has no 'artifact' part (a .zip of the artifact directory).")
        if not text:
            raise InvalidInput("The upload has no metadata: send a 'metadata' JSON part with at least display_name.")
        metadata = parse_json(text, "The metadata")
        if not isinstance(metadata, dict):
            raise InvalidInput("The metadata must be a JSON object such as {\"display_name\": \"churn\"}.")
        return metadata

    def cleanup(self) -> None:
        """Remove the spool file (idempotent).  Closing may fail -- on a full disk the bytes
        still buffered cannot be written -- but they are thrown away anyway: the file goes."""
        for f in (self._raw, self._artifact_sink):  # the sink is still open when the body ended early
            if f is not None:
                with contextlib.suppress(OSError):
                    f.close()
        with contextlib.suppress(FileNotFoundError):  # never created, or collected meanwhile
            os.unlink(self.zip_path)


def _boundary(content_type: str) -> bytes:
    for piece in content_type.split(";")[1:]:
        key, _, value = piece.strip().partition("=")
        if key.lower() == "boundary":
            return value.strip().strip('"').encode("latin-1")
    raise InvalidInput("The multipart Content-Type has no boundary.")
