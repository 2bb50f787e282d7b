"""A limit on what an uploaded zip unpacks to: the upload limit counts compressed bytes,
and a few hundred KB of zip can hold gigabytes of zeros (a zip bomb).

Checked twice: on the sizes the zip's central directory declares, before a byte is
unpacked (the catalog reserves disk space from them), and on the bytes actually stored,
while they are, in case a declared size lies.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Callable

from .handlers.base import PayloadTooLarge

SETTING = "c.ModelCatalogConfig.max_upload_unpacked_size"


def _too_large(size: int, limit: int, at_least: bool = False) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The uploaded zip unpacks to {'at least ' if at_least else ''}{size} bytes; this server accepts "
        f"at most {limit} bytes unpacked ({SETTING}). Nothing was stored.",
        limit=limit,
        setting=SETTING,
    )


def check_declared_size(zip_path: Path, limit: int) -> None:
    """Refuse a zip whose entries declare more than ``limit`` bytes in all."""
    try:
        with zipfile.ZipFile(zip_path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a readable zip: the catalog refuses it with its own reason (422)
    if total > limit:
        raise _too_large(total, limit)


def unpack_guard(limit: int) -> Callable[[int, int], None]:
    """A save ``progress(done, total)`` callback that stops the save past ``limit`` bytes."""

    def progress(done: int, total: int) -> None:
        if total > limit:
            raise _too_large(total, limit)
        if done > limit:
            raise _too_large(done, limit, at_least=True)

    return progress
