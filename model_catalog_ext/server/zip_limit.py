"""A limit on what an uploaded zip unpacks to: the upload limit counts compressed bytes,
and a few hundred KB of zip can hold gigabytes of zeros (a zip bomb).

Checked on the total the zip's central directory declares, which the save reports before
it stores a byte; a member cannot unpack to more than it declares (zipfile stops there, and
a zip whose sizes lie fails its CRC check: a damaged zip, 422).
"""
from __future__ import annotations

from collections.abc import Callable

from ..errors import PayloadTooLarge

SETTING = "c.ModelCatalogConfig.max_upload_unpacked_size"


def _too_large(size: int, limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The uploaded zip unpacks to {size} bytes; this server accepts "
        f"at most {limit} bytes unpacked ({SETTING}). Nothing was stored.",
        limit=limit,
        setting=SETTING,
    )


def unpack_guard(limit: int) -> Callable[[int, int], None]:
    """A save ``progress(done, total)`` callback that stops a save of more than ``limit``
    bytes at its first call, before anything is stored."""

    def progress(done: int, total: int) -> None:
        if total > limit:
            raise _too_large(total, limit)

    return progress
