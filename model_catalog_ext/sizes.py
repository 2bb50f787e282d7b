"""Byte counts for people: one spelling for every door (CLI, magics)."""
from __future__ import annotations


def human_size(n) -> str:
    """``12345`` -> ``"12.1 KiB"`` (powers of 1024, named as such); "" for no number."""
    try:
        size = float(n)
    except (TypeError, ValueError):
        return ""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""  # pragma: no cover
