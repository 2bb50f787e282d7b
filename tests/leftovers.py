"""What a save killed part-way leaves in a local artifact store, for the garbage tests."""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path


def make_leftovers(blobs: Path, tmp_size: int = 1000, stray_size: int = 3000) -> tuple[Path, Path, Path]:
    """An hour-old temporary file and an hour-old blob no model references (a killed save's
    leftovers), plus a fresh temporary file (a save running right now, which must stay).
    Returns ``(dead, stray, running)``."""
    hours_ago = time.time() - 2 * 3600
    (blobs / "tmp").mkdir(parents=True, exist_ok=True)
    dead = blobs / "tmp" / "killed-save.part"
    dead.write_bytes(os.urandom(tmp_size))
    stray_bytes = os.urandom(stray_size)
    sha = hashlib.sha256(stray_bytes).hexdigest()
    stray = blobs / "sha256" / sha[:2] / sha
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(stray_bytes)
    for path in (dead, stray):
        os.utime(path, (hours_ago, hours_ago))
    running = blobs / "tmp" / "still-writing.part"
    running.write_bytes(b"x" * 10)
    return dead, stray, running
