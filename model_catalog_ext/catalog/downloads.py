"""Reading an artifact back: as one file, a streamed zip, a zip file, or a folder.

These are rules, not storage: they work on any backend's :class:`~.interface.ArtifactFile`
list, whose chunks arrive already checked.  What they add is that nothing half-done is
ever left where a user would take it for complete: every file is written under a temporary
name and takes its own only when whole and intact, and a folder download stages the whole
artifact before the first file takes its place.
"""
from __future__ import annotations

import contextlib
import errno
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from ..errors import InvalidArtifact, InvalidInput, ModelNotFound, TargetNotEmpty
from .entry import ModelEntry
from .filewrite import reporting_full_disk, reserve, write_all
from .interface import ArtifactFile, ProgressCallback
from .name_length import refuse_overlong_download
from .source import is_git_folder
from .verified import without_head
from .zipstream import iter_zip, zip_length


def file_chunks(entry: ModelEntry, files: list[ArtifactFile], path: str, offset: int = 0) -> Iterator[bytes]:
    """The checked bytes of one file of the artifact, from byte ``offset`` on."""
    item = next((f for f in files if f.path == path), None)
    if item is None:
        raise ModelNotFound(f"Model {entry.id} has no file '{path}'. Its files: "
                            f"{', '.join(f.path for f in files[:20])}.", model_id=entry.id, path=path)
    _check_offset(offset, item.size, f"'{path}'")
    if not offset:
        return item.chunks()
    if item.chunks_from is not None:
        return item.chunks_from(offset)
    return without_head(item.chunks(), offset)


def _check_offset(offset, size: int, what: str) -> None:
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= size:
        raise InvalidInput(f"The offset {offset!r} is not within the {size} bytes of {what}.", size=size)


def zip_stream(entry: ModelEntry, files: list[ArtifactFile], offset: int = 0) -> Iterator[bytes]:
    """The artifact as a stored (uncompressed) zip, stopping short at a damaged chunk; from
    byte ``offset`` of the zip on (zipstream.iter_zip says what is read then)."""
    _check_offset(offset, zip_size(files), f"the zip of model {entry.id}")
    return iter_zip(((f.path, f.size, f.crc32, f.chunks, f.chunks_from) for f in files),
                    date_time=entry.time_created, skip=offset)


def zip_size(files: list[ArtifactFile]) -> int:
    """The exact length of :func:`zip_stream`'s bytes."""
    return zip_length((f.path, f.size, f.crc32 is not None) for f in files)


def write_zip(entry: ModelEntry, files: list[ArtifactFile], target, force_overwrite: bool = False,
              progress: ProgressCallback | None = None) -> Path:
    """Write the artifact as one zip file at ``target``: a ``.partial`` file that takes its
    name only when complete and intact.  An existing ``target`` needs ``force_overwrite``."""
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
    size = zip_size(files)
    try:
        with _full_target(target.parent, target.name, size), open(partial, "xb") as out:
            reserve(out, size)
            for chunk in zip_stream(entry, files):
                write_all(out, chunk)
                done += len(chunk)
                if progress:
                    progress(min(done, total), total)
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
        _remove_made(missing)  # a failed download leaves no folder it made either
        raise
    return target


def download_folder(entry: ModelEntry, files: list[ArtifactFile], target_dir, force_overwrite: bool = False,
                    progress: ProgressCallback | None = None) -> Path:
    """Write the artifact's files into ``target_dir`` and return its path.

    Every file is first written into a hidden staging folder (beside a new target, inside an
    existing one) and checked; only then do the files take their places, by renames that
    need no space.  So a failed download (a damaged byte, a full disk) leaves the target as
    it was: no half artifact, and with ``force_overwrite`` no old files half replaced.  A
    non-empty target is refused unless ``force_overwrite``, which replaces the artifact's
    files and leaves other files alone.
    """
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
    for item in files:  # all checked before the first byte is written
        check_download_path(entry, item.path, target, target)
        if filled:
            _check_no_file_in_the_way(target, item.path)
    hidden = f".{target.name or 'download'}.{uuid.uuid4().hex[:8]}.partial"
    # An existing folder (perhaps a mount point, or with its own permissions) stays; the
    # files are staged inside it.  A new folder is staged beside it and renamed.
    staging = target / hidden if target.is_dir() else target.parent / hidden
    try:
        staging.mkdir(parents=True)
    except OSError as exc:
        _remove_made(missing)
        if exc.errno == errno.ENOSPC:
            raise
        # Its message would name the hidden staging folder, which the user never chose.
        raise InvalidInput(f"Cannot write the download into '{target}': {exc.strerror or exc}. "
                           "Pick a folder you can create and write to.", path=str(target)) from None
    try:
        _write_files(entry, files, staging, target, progress)
        if staging.parent != target:
            os.replace(staging, target)
            return target
        _move_into(staging, target, [f.path for f in files])
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_made(missing)  # and the folders made to hold it
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return target


def _move_into(staging: Path, target: Path, paths: list[str]) -> None:
    """Rename each staged file to its place in ``target`` (a folder in its way goes)."""
    for rel in paths:
        parts = rel.split("/")
        dest = target.joinpath(*parts)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.is_dir() and not dest.is_symlink():
            shutil.rmtree(dest)
        os.replace(staging.joinpath(*parts), dest)


def _check_no_file_in_the_way(target: Path, rel: str) -> None:
    parts = rel.split("/")
    for depth in range(1, len(parts)):
        here = target.joinpath(*parts[:depth])
        if here.exists() and not here.is_dir():
            raise InvalidInput(f"The artifact has a folder '{'/'.join(parts[:depth])}' where '{target}' has a "
                               "file of that name; move that file away, or download into another folder.",
                               path=str(here))


def _write_files(entry: ModelEntry, files: list[ArtifactFile], folder: Path, shown: Path,
                 progress: ProgressCallback | None) -> None:
    """Write each file into ``folder`` (named ``shown`` in messages), each under a temporary
    name until complete and checked."""
    total, done = entry.artifact_size, 0
    if progress:
        progress(0, total)
    for item in files:
        dest = folder.joinpath(*item.path.split("/"))
        dest.parent.mkdir(parents=True, exist_ok=True)
        # A short name: the file's own may already be as long as the filesystem allows.
        partial = dest.parent / f".{uuid.uuid4().hex[:12]}.partial"
        try:
            with _full_target(shown, item.path, item.size), open(partial, "xb") as out:
                reserve(out, item.size)
                for chunk in item.chunks():
                    write_all(out, chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
            os.replace(partial, dest)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)


def _remove_made(folders: list[Path]) -> None:
    for folder in folders:  # nearest first: each is empty once its child is gone
        with contextlib.suppress(OSError):
            folder.rmdir()


def _full_target(folder, name: str, size: int):
    return reporting_full_disk(f"'{folder}'", f"'{name}'", size,
                               "Free some space there (or pick another folder), then download again.")


def check_download_path(entry: ModelEntry, rel: str, folder: Path, shown: Path) -> None:
    """Refuse to write an artifact file where it could do harm: outside the folder, through
    a symbolic link already in it (to wherever the link points), or into a ``.git`` folder
    (git runs commands named in its config, so such a file could run code in whoever uses
    git there).  Saves leave ``.git`` out; this guards entries stored before they did."""
    refuse_overlong_download(entry.id, rel)
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
