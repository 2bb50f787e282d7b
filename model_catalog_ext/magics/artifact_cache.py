"""Downloaded artifacts, cached by digest under the user cache dir.

An artifact never changes, so its digest names it for good: a second ``%catalog load`` of
the same model (in any kernel) reads the local copy. A copy takes its final name only when
complete (rename), so a crash or a concurrent load never leaves a half-written cache entry.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path


def cache_root() -> Path:
    """``$MODEL_CATALOG_CACHE_DIR``, else ``<user cache dir>/model-catalog-ext/artifacts``."""
    configured = os.environ.get("MODEL_CATALOG_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("model-catalog-ext")) / "artifacts"


def cached_artifact_dir(service, entry) -> tuple[Path, bool]:
    """The local folder holding ``entry``'s artifact, downloading it if needed.

    Returns ``(path, was_cached)``.
    """
    digest = re.sub(r"[^A-Za-z0-9_.-]", "-", entry.artifact_digest or entry.id)
    root = cache_root()
    final = root / digest
    if final.is_dir():
        return final, True
    root.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{digest[:24]}.", suffix=".partial", dir=root))
    try:
        service.download(entry.id, partial)  # verified while written
        try:
            os.rename(partial, final)
        except OSError:
            if not final.is_dir():  # not a concurrent load that finished first
                raise
    finally:
        if partial.exists():
            shutil.rmtree(partial, ignore_errors=True)
    return final, False
