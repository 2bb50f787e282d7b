"""``model-metadata.json``: what prepare() made and what verify() found, kept in the artifact
so a later process (or the catalog's save) sees it. ADS ignores this file."""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from . import layout

DEFINED_KEYS = ("UseCaseType", "Framework", "FrameworkVersion", "Algorithm",
                "Hyperparameters", "ArtifactTestResults")


def read(artifact_dir) -> dict:
    """The metadata document, or {} when the artifact has none (e.g. one made by ADS)."""
    path = Path(artifact_dir) / layout.METADATA_FILE
    try:
        # NaN written by an older prepare(): read as text, since the catalog stores strict JSON
        doc = json.loads(path.read_text(), parse_constant=str)
    except FileNotFoundError:
        return {}
    except ValueError:
        return {}  # a damaged side file must not make a good artifact unusable
    return doc if isinstance(doc, dict) else {}


def write(artifact_dir, doc: dict) -> None:
    """Replace the metadata document atomically (write a temp file, then rename)."""
    artifact_dir = Path(artifact_dir)
    fd, tmp = tempfile.mkstemp(prefix=".model-metadata.", suffix=".tmp", dir=artifact_dir)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh, indent=2, sort_keys=True, default=str)
            fh.write("\n")
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes it private
        os.replace(tmp, artifact_dir / layout.METADATA_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def defined_metadata(doc: dict) -> dict:
    """The ADS defined-metadata taxonomy, every key present (None when unknown)."""
    stored = doc.get("defined_metadata") or {}
    return {key: stored.get(key) for key in DEFINED_KEYS}


_HASHED_UP_TO = 4 * 1024 * 1024  # score.py, requirements, schemas: by content; model files by size


def files_fingerprint(artifact_dir) -> str:
    """A digest of the artifact's files: whether the files verify() ran on are still those.

    Paths and sizes of every file, and the bytes of the small ones (where edits happen), so
    a downloaded copy of the same artifact matches although its files are newer.  This side
    file, bytecode caches and hidden files (editor and notebook droppings) are left out."""
    root = Path(artifact_dir)
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
        for name in sorted(filenames):
            if name == layout.METADATA_FILE or name.startswith("."):
                continue
            path = Path(dirpath) / name
            size = path.stat().st_size
            digest.update(f"{path.relative_to(root).as_posix()}\0{size}\n".encode())
            if size <= _HASHED_UP_TO:
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
