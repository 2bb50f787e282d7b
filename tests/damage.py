"""Damage a stored file the way a failing disk would: one byte flipped, in place."""
from __future__ import annotations

import os


def flip_byte(path, offset: int) -> None:
    """Invert the byte at ``offset`` of the file at ``path`` (read-only blobs included)."""
    os.chmod(path, 0o644)
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0xFF]))
