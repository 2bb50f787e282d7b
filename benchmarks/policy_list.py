"""What an access policy costs a listing: the first page and the total, unscoped and scoped.

    python benchmarks/policy_list.py [--models 100000] [--repeat 40]

The catalog of ``catalog_list.py`` (bulk-loaded SQLite), its models spread over 20
compartments; a caller who reads 1 of them (5 % of the models), 5 (25 %) or every one but
one (95 %) lists the same queries as the side panel and the search box.  The scope is part of
the SQL query (``ModelQuery.scope``), so a page is one statement however little the caller
may read.  Target: a scoped first page within 2x the unscoped one and <= 20 ms median.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalog_list import _p95, load_ours  # noqa: E402

COMPARTMENTS = [f"compartment-{i}" for i in range(20)]
QUERIES = [
    ("newest first", "", {}),
    ("per model+total", "", {"latest_only": True, "count_total": True}),
    ("tag exact", "tag:team=ml-team-3", {}),
    ("name substring", "name:churn", {}),
    ("sort by name", "", {"sort": "name"}),
]


def spread(svc) -> None:
    with svc.backend._write() as conn:
        conn.exec_driver_sql(f"UPDATE models SET compartment_id = 'compartment-' || (seq % {len(COMPARTMENTS)})")
        conn.exec_driver_sql("ANALYZE")


def timed(svc, query, repeat: int) -> dict:
    svc.list(query)  # warm-up
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        page = svc.list(query)
        samples.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": round(statistics.median(samples), 2), "p95_ms": round(_p95(samples), 2),
            "rows": len(page.items), "total": page.total}


def main() -> None:
    from model_catalog_ext.catalog import parse_search
    from model_catalog_ext.catalog.query import AccessScope

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    scopes = {"unscoped": None,
              "reads 5%": AccessScope(frozenset(COMPARTMENTS[:1])),
              "reads 25%": AccessScope(frozenset(COMPARTMENTS[:5])),
              "reads 95%": AccessScope(frozenset(COMPARTMENTS[1:]))}
    with tempfile.TemporaryDirectory() as folder:
        svc, load_s = load_ours(Path(folder), args.models)
        spread(svc)
        results = {}
        for label, search, extra in QUERIES:
            for scope_label, scope in scopes.items():
                query = parse_search(search, **extra, scope=scope)
                results[f"{label} / {scope_label}"] = timed(svc, query, args.repeat)
        svc.close()
    print(json.dumps({"models": args.models, "load_s": round(load_s, 1), "results": results}, indent=1))


if __name__ == "__main__":
    main()
