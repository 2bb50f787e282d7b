"""Artifacts saved by other tools (ADS, the console): read back, checked against OCI's MD5.

A model saved by model-catalog-ext carries a manifest with each file's sha256 (see
``mapping.py``); one saved by ADS carries nothing but what OCI keeps of every artifact: the
zip's ``content-md5``.  So its zip is streamed into a temporary file (never into memory),
its MD5 is checked against OCI's while it arrives, and its files are then read from that
file (zipfile checks each member's CRC-32 as it reads).  A zip that does not match, or is no
zip, or has a member that would land outside the target folder, is refused as damaged.
"""
from __future__ import annotations

import base64
import hashlib
import posixpath
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from typing import IO

from ...errors import DamagedArtifact, Unsupported
from ..interface import ArtifactFile

READ = 1024 * 1024


def foreign_artifact_files(open_content: Callable[[], tuple[dict, object]], model_id: str,
                           where: str) -> list[ArtifactFile]:
    """The files of the zip ``open_content()`` streams (``(headers, raw stream)``), checked
    against its ``content-md5``."""
    headers, stream = open_content()
    expected = headers.get("content-md5")
    if not expected:
        _close(stream)
        raise Unsupported(f"OCI sent no content-md5 for the artifact of model {model_id} in {where}, so it cannot "
                          "be checked and is not served. Download it with ADS or the OCI console.",
                          model_id=model_id)
    spool = tempfile.TemporaryFile(prefix="model-catalog-oci-")
    try:
        md5 = hashlib.md5()
        try:
            while chunk := stream.read(READ):  # type: ignore[attr-defined]
                md5.update(chunk)
                spool.write(chunk)
        finally:
            _close(stream)
        if base64.b64encode(md5.digest()).decode() != expected.strip():
            raise _damaged(model_id, "does not match the MD5 OCI recorded when it was uploaded")
        spool.seek(0)
        try:
            archive = zipfile.ZipFile(spool)
        except zipfile.BadZipFile:
            raise _damaged(model_id, "is not a zip") from None
        files = []
        for info in archive.infolist():
            if info.is_dir():
                continue
            path = _safe_path(model_id, info.filename)
            sha, size = hashlib.sha256(), 0
            for chunk in _members_chunks(archive, info, model_id):
                sha.update(chunk)
                size += len(chunk)
            files.append(ArtifactFile(path, size, sha.hexdigest(), info.CRC,
                                      _reader(archive, info, model_id, spool)))
        return files
    except BaseException:
        spool.close()
        raise


def _reader(archive: zipfile.ZipFile, info: zipfile.ZipInfo, model_id: str, spool: IO[bytes]):
    # The closure keeps the spool file open for as long as the files may be read.
    def chunks() -> Iterator[bytes]:
        assert not spool.closed
        yield from _members_chunks(archive, info, model_id)
    return chunks


def _members_chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, model_id: str) -> Iterator[bytes]:
    try:
        with archive.open(info) as member:
            while chunk := member.read(READ):
                yield chunk
    except (zipfile.BadZipFile, OSError, EOFError) as exc:  # a CRC-32 that does not match, a broken entry
        raise _damaged(model_id, f"has a damaged member '{info.filename}' ({exc})") from None


def _safe_path(model_id: str, name: str) -> str:
    path = posixpath.normpath(name.replace("\\", "/"))
    if path.startswith(("/", "../")) or path in ("..", ".") or ":" in path.split("/")[0]:
        raise _damaged(model_id, f"has a member '{name}' that would land outside the artifact's folder")
    return path


def _close(stream) -> None:
    try:
        stream.close()
    except Exception:  # noqa: BLE001 - closing a broken connection may fail too
        pass


def _damaged(model_id: str, why: str) -> DamagedArtifact:
    return DamagedArtifact(f"The artifact of model {model_id} (saved by another tool) {why}; it is refused. Save the "
                           "model again from its source.", model_id=model_id)
