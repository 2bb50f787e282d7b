"""How the size of each write() and reserving blocks first change the cost of writing a
big new file, against ``cp`` of the same bytes (catalog/filewrite.py relies on this).

    python benchmarks/write_pieces.py [--size 1024] [--runs 3]   # MiB

Every variant writes the same --size MiB from one 4 MiB buffer into a new file on the
disk of this checkout (no fsync: this is the page-cache side of a save or download);
each is timed --runs times after the previous output is deleted and synced, best kept.
"""
from __future__ import annotations

import argparse
import mmap
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from model_catalog_ext.catalog.filewrite import reserve  # noqa: E402

CHUNK = 4 * 2**20


def _settle(path: Path) -> None:
    if path.exists():
        path.unlink()
    subprocess.run(["sync"], check=True)
    time.sleep(float(os.environ.get("BENCH_SETTLE_S", "1")))


def _write(path: Path, buffer, size: int, piece: int, reserved: bool) -> float:
    view = memoryview(buffer)
    t = time.perf_counter()
    with open(path, "xb", buffering=0) as f:
        if reserved:
            reserve(f, size)
        for _ in range(size // CHUNK):
            for start in range(0, CHUNK, piece):
                f.write(view[start:start + piece])
    return time.perf_counter() - t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=1024, help="MiB to write (default 1024)")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    size = args.size * 2**20 // CHUNK * CHUNK
    buffer = mmap.mmap(-1, CHUNK)
    buffer.write(os.urandom(CHUNK))
    variants = [("4 MiB writes", CHUNK, False), ("1 MiB writes", 2**20, False),
                ("256 KiB writes", 256 * 2**10, False), ("256 KiB writes, reserved", 256 * 2**10, True)]
    (REPO / ".benchmarks-out").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="write-pieces-", dir=REPO / ".benchmarks-out") as tmp:
        tmp = Path(tmp)
        src, out = tmp / "src.bin", tmp / "out.bin"
        _write(src, buffer, size, 256 * 2**10, False)
        best = {name: float("inf") for name, *_ in variants}
        best["cp"] = float("inf")
        for _ in range(args.runs):
            _settle(out)
            t = time.perf_counter()
            subprocess.run(["cp", str(src), str(out)], check=True)
            best["cp"] = min(best["cp"], time.perf_counter() - t)
            for name, piece, reserved in variants:
                _settle(out)
                seconds = _write(out, buffer, size, piece, reserved)
                print(f"  {name}: {seconds:.2f} s", file=sys.stderr)
                best[name] = min(best[name], seconds)
        _settle(out)
    mib = size / 2**20
    print(f"writing {mib:,.0f} MiB into a new file (best of {args.runs})")
    for name, seconds in best.items():
        print(f"{name:26s} {seconds:6.2f} s {mib / seconds:8.0f} MiB/s  = {best['cp'] / seconds:4.0%} of cp")
    return 0


if __name__ == "__main__":
    sys.exit(main())
