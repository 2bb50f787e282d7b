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
        doc = json.loads(path.read_text())
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


def files_fingerprint(artifact_dir) -> str:
    """A digest of every file's path, size and modification time (this side file and
    bytecode caches left out): whether the files verify() ran on are still those."""
    root = Path(artifact_dir)
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name == layout.METADATA_FILE or name.startswith(".model-metadata."):
                continue
            path = Path(dirpath) / name
            info = path.stat()
            digest.update(f"{path.relative_to(root).as_posix()}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()
