"""Build an artifact in a temporary sibling directory, then move it into place.

Nothing half-written is ever left in the target: a failure removes only the staging
directory (and parent folders this call created). An empty or missing target is replaced by
one rename; a non-empty one is refused unless ``force_overwrite``, and then only the files
this preparation writes (and the ones an earlier preparation recorded as its own) change:
files someone else put there are never deleted.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Literal

from ..errors import PrepareError, TargetNotEmpty
from . import layout, metadata


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class Staging:
    """``with Staging(target, force_overwrite) as stage: ...write into stage.path...``"""

    def __init__(self, target, force_overwrite: bool = False, keep=()):
        self.target = Path(target).expanduser().absolute()
        # Files of the user's that may already be in the target and are never replaced or
        # removed (a model file the artifact is prepared around): a copy in the stage is dropped.
        self.keep = frozenset(keep)
        if self.target.is_symlink() and self.target.is_dir():
            # A link to a folder: write where it points (staged beside that folder, on its disk).
            self.target = self.target.resolve()
        self.force_overwrite = force_overwrite
        self.path: Path | None = None
        self._created_parents: list[Path] = []
        self._check_target()

    def _check_target(self) -> None:
        target = self.target
        if target.exists() and not target.is_dir():
            raise PrepareError(
                f"{target} exists and is not a directory. Choose a directory path for the artifact.",
                path=str(target),
            )
        if target.is_dir() and any(p.name not in self.keep for p in target.iterdir()) \
                and not self.force_overwrite:
            raise TargetNotEmpty(
                f"{target} is not empty. Choose an empty or new directory, or pass "
                "force_overwrite=True to replace the files prepare writes (other files stay).",
                path=str(target),
            )

    def __enter__(self) -> Staging:
        parent = self.target.parent
        missing = []
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        for folder in reversed(missing):
            folder.mkdir()
            self._created_parents.append(folder)
        self.path = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.prepare-", dir=self.target.parent))
        os.chmod(self.path, 0o777 & ~_umask())  # mkdtemp makes it private; the artifact is not
        return self

    def __exit__(self, exc_type, exc, tb) -> Literal[False]:
        if exc_type is None:
            try:
                self._commit()
            except BaseException:
                self._cleanup()
                raise
        else:
            self._cleanup()
        return False

    def _cleanup(self) -> None:
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
        for folder in reversed(self._created_parents):
            try:
                folder.rmdir()
            except OSError:
                pass

    def _commit(self) -> None:
        target, stage = self.target, self.path
        assert stage is not None  # only __exit__ commits, after __enter__ made the stage
        if not target.exists():
            os.rename(stage, target)
            self._created_parents.clear()
            return
        if not any(target.iterdir()):
            try:
                target.rmdir()
            except OSError:  # e.g. a mount point: it is filled in place below
                pass
            else:
                os.rename(stage, target)
                return
        self._check_target()  # it may have filled up meanwhile
        previous = set(metadata.read(target).get("preparation", {}).get("files") or [])
        written = set()
        for root, _dirs, files in os.walk(stage):
            for name in files:
                src = Path(root) / name
                rel = src.relative_to(stage)
                if rel.as_posix() in self.keep:
                    continue
                dst = target / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
                written.add(rel.as_posix())
        # Files an earlier prepare() wrote that this one does not (model.onnx -> model.joblib).
        for rel in sorted(previous - written - self.keep):
            stale = target / rel
            if stale.is_file() and not stale.is_symlink() and target in stale.resolve().parents:
                stale.unlink()
        fn_dir = target / layout.FN_FOLDER
        if fn_dir.is_dir() and not any(fn_dir.iterdir()):
            fn_dir.rmdir()
        shutil.rmtree(stage, ignore_errors=True)
