"""A separate process that saves artifacts into a catalog (crash and concurrency tests).

    python catalog_worker.py URL ROOT WORKDIR WORKER_ID COUNT BIG_MB [delete-first] [rolling]

Each save's files are derived from (worker, n) so the test can recompute and compare
them; one file is the same for every worker, so saves race on a shared blob.  Prints
``saved <id> <worker> <n>`` after each save returns (that entry must then be durable) and
``deleted <id>`` after a delete.  ``rolling`` deletes the save before last after each
save (bounded disk use, and kills also land in deletes and blob collection).
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

SHARED = b"shared between every worker\n" * 1000


def content(worker: int, n: int, big_mb: int) -> dict[str, bytes]:
    seed = hashlib.sha256(f"{worker}/{n}".encode()).digest()
    files = {
        "score.py": b"def load_model():\n    return None\n\ndef predict(data, model=None):\n    return data\n",
        "shared.txt": SHARED,
        "model.pkl": seed * 4096,
    }
    if big_mb:
        files["weights.bin"] = (seed * (1024 * 1024 // 32 + 1))[: big_mb * 1024 * 1024]
    return files


def main(argv: list[str]) -> None:
    url, root, workdir, worker, count, big_mb = argv[:6]
    delete_first = "delete-first" in argv[6:]
    rolling = "rolling" in argv[6:]
    ids = []
    worker, count, big_mb = int(worker), int(count), int(big_mb)
    from model_catalog_ext.catalog import open_catalog

    svc = open_catalog(url, root)
    for n in range(count):
        art = Path(workdir) / f"w{worker}-n{n}"
        for rel, data in content(worker, n, big_mb).items():
            (art / rel).parent.mkdir(parents=True, exist_ok=True)
            (art / rel).write_bytes(data)
        entry = svc.save(art, display_name=f"worker {worker} save {n}", freeform_tags={"worker": str(worker)})
        print(f"saved {entry.id} {worker} {n}", flush=True)
        ids.append(entry.id)
        if rolling and len(ids) > 2:
            old = ids.pop(0)
            svc.delete(old)
            print(f"deleted {old}", flush=True)
        for path in sorted(art.rglob("*"), reverse=True):  # keep the scratch space small
            path.rmdir() if path.is_dir() else path.unlink()
        if delete_first and n == 0:
            svc.delete(entry.id)
            print(f"deleted {entry.id}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
