"""A one-line progress bar on stderr for large saves and downloads (no dependencies)."""
from __future__ import annotations

import sys
import time

MIN_BYTES = 8 * 1024 * 1024  # smaller transfers finish before a bar is worth drawing


class ProgressBar:
    """Callable as ``bar(done_bytes, total_bytes)``; draws at most ten times a second."""

    def __init__(self, label: str, stream=None, enabled: bool | None = None, width: int = 30):
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = enabled if enabled is not None else self.stream.isatty()
        self.width = width
        self._start = time.monotonic()
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < MIN_BYTES:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        fraction = done / total if total else 1.0
        filled = int(self.width * fraction)
        rate = done / max(now - self._start, 1e-6) / 2**20
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {fraction:6.1%} "
                          f"{done / 2**20:,.1f}/{total / 2**20:,.1f} MiB {rate:,.0f} MiB/s")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """End the bar's line (if one was drawn)."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
