"""What a save reads: an artifact directory or a ``.zip`` of one, checked before any byte
is stored.

The checks refuse what would make a catalog entry unsafe or useless: no ``score.py``,
symbolic links leading outside the artifact, zip entries with ``..`` or absolute paths
(zip-slip), links or special files, a name that is both a file and a folder, a
``.model-ignore`` too big to be one.  ``__pycache__``, ``*.pyc``, ``.ipynb_checkpoints``,
``.git`` (whatever its case: a download would make its folder a repository whose config
git obeys) and what ``.model-ignore`` lists (one glob per line, as in ADS) are left out.
"""
from __future__ import annotations

import fnmatch
import json
import lzma
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..errors import InvalidArtifact
from .name_length import refuse_overlong_name
from .validation import finite_json

DEFAULT_IGNORES = ("__pycache__", "*.pyc", ".ipynb_checkpoints", ".DS_Store")
MAX_JSON = 16 * 1024 * 1024  # schema files are read into memory; refuse absurd ones
MAX_IGNORE = 1024 * 1024  # .model-ignore is read whole before anything is checked
_DRIVE_RE = re.compile(r"^[A-Za-z]:")
# What opening or reading a damaged zip member raises: a broken local header, an offset past
# the end (OSError from seek), a method zipfile cannot read, a wrong CRC, a cut deflate stream,
# a broken bzip2 (OSError) or lzma stream, a short file.
_DAMAGED_ZIP = (zipfile.BadZipFile, zlib.error, EOFError, OSError, lzma.LZMAError, NotImplementedError)
_MAX_REASON = 200  # characters of zipfile's own words: some quote the header's raw bytes


def changed_while_saving(name: str) -> InvalidArtifact:
    """The refusal of a file whose bytes changed (size, times or identity) while a save read it."""
    return InvalidArtifact(
        f"The file '{name}' changed while it was being saved. "
        "Wait until nothing writes to the artifact and save again.",
        path=name,
    )


@dataclass(frozen=True)
class SourceFile:
    """One file to store: its path inside the artifact (posix), size and a way to read it."""

    path: str
    size: int
    open: Callable[[], BinaryIO]


class ArtifactSource:
    """The files of an artifact, validated; use as a context manager (zips stay open)."""

    #: Set by a resumable upload: a backend saves at most one entry per key (see
    #: ``CatalogBackend.save``), so completing the same upload twice never saves twice.
    upload_key: str | None = None

    def __init__(self, files: list[SourceFile], origin: str, closer: Callable[[], None] | None = None):
        self.files = sorted(files, key=lambda f: f.path)
        self.origin = origin
        self._closer = closer
        self.total_size = sum(f.size for f in self.files)

    def __enter__(self) -> ArtifactSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._closer:
            self._closer()
            self._closer = None

    def get(self, path: str) -> SourceFile | None:
        return next((f for f in self.files if f.path == path), None)

    def read_json(self, path: str):
        """Parse a JSON file of the artifact; None when absent."""
        item = self.get(path)
        if item is None:
            return None
        if item.size > MAX_JSON:
            raise InvalidArtifact(f"'{path}' is {item.size} bytes; a schema file should be far smaller.", path=path)
        with item.open() as f:
            raw = f.read(MAX_JSON + 1)
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise InvalidArtifact(f"'{path}' in the artifact is not valid JSON ({exc}); fix or remove it.", path=path) from None
        return finite_json(data)  # a schema's NaN statistics: kept as text, as JSON has no NaN


def open_source(artifact) -> ArtifactSource:
    """Validate ``artifact`` (a directory or a .zip path) and list its files (an
    ArtifactSource, e.g. an upload's checked files, is already that)."""
    if isinstance(artifact, ArtifactSource):
        return artifact
    if artifact is None or str(artifact).strip() == "":
        raise InvalidArtifact("No artifact given: pass the folder made by prepare() (with score.py) or a .zip of it.")
    path = Path(os.fspath(artifact)).expanduser()
    if not path.exists():
        raise InvalidArtifact(
            f"The artifact path '{path}' does not exist. Pass the folder made by prepare() "
            "(it holds score.py) or a .zip of that folder.", path=str(path))
    if path.is_dir():
        source = _directory_source(path)
    elif zipfile.is_zipfile(path):
        source = _zip_source(path)
    else:
        raise InvalidArtifact(
            f"'{path}' is neither a folder nor a .zip file. Pass the artifact folder (with score.py) or a zip of it.",
            path=str(path))
    if source.get("score.py") is None:
        source.close()
        raise InvalidArtifact(
            f"The artifact '{path}' has no score.py at its top level. A model artifact needs score.py "
            "with load_model() and predict(); make one with prepare() or prepare_generic_model().",
            path=str(path))
    return source


def is_git_folder(name: str) -> bool:
    """Whether a path part names a git folder (or a ``.git`` file pointing at one), in any
    case: a case-insensitive disk takes ``.GIT`` for ``.git``."""
    return name.lower() == ".git"


class _Ignore:
    def __init__(self, patterns: list[str]):
        self.patterns = [p for p in patterns if p]

    @classmethod
    def from_text(cls, text: str) -> _Ignore:
        lines = [line.strip() for line in text.splitlines()]
        return cls(list(DEFAULT_IGNORES) + [ln for ln in lines if ln and not ln.startswith("#")])

    def __call__(self, rel: str, is_dir: bool) -> bool:
        name = rel.rsplit("/", 1)[-1]
        if is_git_folder(name):
            return True
        for pattern in self.patterns:
            dir_only = pattern.endswith("/")
            pat = pattern.rstrip("/").lstrip("/")
            if dir_only and not is_dir:
                continue
            if fnmatch.fnmatchcase(name, pat) or fnmatch.fnmatchcase(rel, pat):
                return True
        return False


def _directory_source(root: Path) -> ArtifactSource:
    root_real = os.path.realpath(root)
    ignore_file = root / ".model-ignore"
    if ignore_file.is_file():
        with open(ignore_file, "rb") as f:
            ignore = _Ignore.from_text(_ignore_text(f, str(root)))
    else:
        ignore = _Ignore.from_text("")
    files: list[SourceFile] = []
    seen_dirs = {root_real}
    stack = [(root_real, "")]
    while stack:
        folder, prefix = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = prefix + entry.name
                real = entry.path
                if entry.is_symlink():
                    real = os.path.realpath(entry.path)
                    if real != root_real and not real.startswith(root_real + os.sep):
                        raise InvalidArtifact(
                            f"'{rel}' in the artifact is a symbolic link to '{real}', outside the artifact "
                            "folder. Copy the file into the artifact instead of linking to it, or delete the link.",
                            path=rel)
                    if not os.path.exists(real):
                        raise InvalidArtifact(f"'{rel}' in the artifact is a broken symbolic link; remove it.", path=rel)
                st = os.stat(real)
                if stat.S_ISDIR(st.st_mode):
                    if ignore(rel, True):
                        continue
                    if real in seen_dirs:
                        continue  # a link back to a folder we already store
                    seen_dirs.add(real)
                    stack.append((real, rel + "/"))
                elif stat.S_ISREG(st.st_mode):
                    if not ignore(rel, False):
                        refuse_overlong_name(rel, f"The artifact '{root}'")
                        files.append(SourceFile(rel, st.st_size, _file_opener(real, rel, st)))
                else:
                    raise InvalidArtifact(
                        f"'{rel}' in the artifact is not a regular file (a pipe, socket or device); remove it.",
                        path=rel)
    return ArtifactSource(files, str(root))


def _file_opener(path: str, rel: str, listed: os.stat_result):
    def open_unchanged() -> _UnchangedFile:
        f = open(path, "rb", buffering=0)
        try:
            return _UnchangedFile(f, rel, _identity(listed))
        except BaseException:
            f.close()
            raise

    return open_unchanged


def _identity(st: os.stat_result) -> tuple:
    """What changes when a file is replaced, rewritten, truncated or grown -- in place too."""
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


class _UnchangedFile:
    """A file of the artifact read by a save: as it was listed when opened, and still so when
    closed after a complete read, else :func:`changed_while_saving`.  A write between the
    two (even one that keeps the size) moves its modification and change times, so bytes
    read across it -- partly old, partly new -- are never stored."""

    def __init__(self, f, rel: str, listed: tuple):
        self._f, self._rel, self._listed = f, rel, listed
        self.read, self.readinto, self.seek = f.read, f.readinto, f.seek  # straight through: no cost per chunk
        self._check()

    def _check(self) -> None:
        if _identity(os.fstat(self._f.fileno())) != self._listed:
            raise changed_while_saving(self._rel)

    def close(self) -> None:
        try:
            if not self._f.closed:
                self._check()
        finally:
            self._f.close()

    def __enter__(self) -> _UnchangedFile:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:
            self.close()
        else:  # keep the error that is on its way
            self._f.close()


def _zip_source(path: Path) -> ArtifactSource:
    try:
        zf = zipfile.ZipFile(path)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidArtifact(f"'{path}' is not a readable zip file ({exc}).", path=str(path)) from None
    try:
        entries = []
        for info in infos:
            name = info.filename
            if name.startswith(("/", "\\")) or _DRIVE_RE.match(name):
                raise InvalidArtifact(
                    f"The zip '{path.name}' holds an entry with an absolute path, '{name}'. "
                    "Artifact zips must only hold relative paths; zip the artifact folder's contents again.",
                    path=name)
            parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
            if ".." in parts:
                raise InvalidArtifact(
                    f"The zip '{path.name}' holds an entry that climbs out of the artifact, '{name}'. "
                    "Entries with '..' are refused; zip the artifact folder's contents again.",
                    path=name)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise InvalidArtifact(
                    f"The zip '{path.name}' holds a symbolic link, '{name}'; store the file itself instead.",
                    path=name)
            if info.flag_bits & 0x1:
                raise InvalidArtifact(f"The zip entry '{name}' is encrypted; store an unencrypted zip.", path=name)
            if info.is_dir() or not parts:
                continue
            entries.append(("/".join(parts), info))
        # A zip of the folder itself (one top folder holding score.py) is as good as a zip of
        # its contents: drop the top folder.
        names = [n for n, _ in entries]
        if "score.py" not in names and names:
            top = names[0].split("/", 1)[0]
            if all(n.startswith(top + "/") for n in names) and f"{top}/score.py" in names:
                entries = [(n[len(top) + 1:], i) for n, i in entries]
        ignore_entry = next((i for n, i in entries if n == ".model-ignore"), None)
        if ignore_entry is None:
            ignore = _Ignore.from_text("")
        else:
            with _zip_opener(path, zf, ignore_entry)() as f:
                ignore = _Ignore.from_text(_ignore_text(f, path.name))
        files, seen = [], set()
        for name, info in entries:
            if name in seen:
                raise InvalidArtifact(f"The zip '{path.name}' holds '{name}' twice; keep one.", path=name)
            seen.add(name)
            if any(ignore(part, True) for part in _parents(name)) or ignore(name, False):
                continue
            refuse_overlong_name(name, f"The zip '{path.name}'")
            files.append(SourceFile(name, info.file_size, _zip_opener(path, zf, info)))
        stored = {f.path for f in files}
        for f in files:
            clash = next((p for p in _parents(f.path) if p in stored), None)
            if clash is not None:
                raise InvalidArtifact(
                    f"The zip '{path.name}' holds '{clash}' both as a file and as the folder of "
                    f"'{f.path}'; no folder can hold both. Rename one and zip the artifact again.",
                    path=clash)
    except BaseException:
        zf.close()
        raise
    return ArtifactSource(files, str(path), zf.close)


def _ignore_text(f, where: str) -> str:
    """The text of a .model-ignore (a few patterns: a huge one is refused before it is
    read whole -- a zip of 800 MB of newlines is under 1 MB)."""
    data = f.read(MAX_IGNORE + 1)
    if len(data) > MAX_IGNORE:
        raise InvalidArtifact(
            f"The .model-ignore of '{where}' is over {MAX_IGNORE // 1024} KiB; it lists file "
            "patterns, one per line. Shorten it, or remove it.", path=".model-ignore")
    return data.decode(errors="replace")


def _parents(name: str) -> list[str]:
    parts = name.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _zip_opener(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo):
    def open_member() -> _ZipMember:
        try:
            member = zf.open(info)
        except _DAMAGED_ZIP as exc:
            raise _damaged_zip(path, info.filename, "opened", exc) from None
        return _ZipMember(member, path, info.filename)

    return open_member


def _damaged_zip(path: Path, name: str, action: str, exc: Exception) -> InvalidArtifact:
    reason = str(exc)
    if len(reason) > _MAX_REASON:
        reason = reason[:_MAX_REASON] + "..."
    return InvalidArtifact(
        f"The zip '{path}' is damaged: its entry '{name}' cannot be {action} "
        f"({type(exc).__name__}: {reason}); nothing was stored. Make the zip again from the "
        "artifact folder, or save the folder itself.", path=name)


class _ZipMember:
    """A zip member's stream whose read errors are the artifact's fault (InvalidArtifact),
    not a raw zipfile or zlib error, wherever the save happens to read it."""

    def __init__(self, member, path: Path, name: str):
        self._member, self._path, self._name = member, path, name

    def read(self, n: int = -1) -> bytes:
        try:
            return self._member.read(n)
        except _DAMAGED_ZIP as exc:
            raise _damaged_zip(self._path, self._name, "read", exc) from None

    def readinto(self, buffer) -> int:
        try:
            return self._member.readinto(buffer)
        except _DAMAGED_ZIP as exc:
            raise _damaged_zip(self._path, self._name, "read", exc) from None

    def close(self) -> None:
        self._member.close()

    def __enter__(self) -> _ZipMember:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
