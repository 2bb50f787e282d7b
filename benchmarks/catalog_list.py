"""List/filter speed on 100,000 models, against MLflow's SQLite model registry.

    python benchmarks/catalog_list.py [--models 100000] [--repeat 40] [--no-mlflow]

Both stores get the same names, descriptions and tags, bulk-loaded with direct SQL (100k
artifact saves would measure something else).  Each query asks for the first page (50)
and is timed in-process: median and p95 over ``--repeat`` runs after one warm-up.
MLflow runs in its own venv (``.benchmarks-out/mlflow-venv``, created on first use with
``pip install mlflow``) because its pins differ from ours.

Targets (DESIGN.md section 4): every median <= 10 ms, tag filters <= 5 ms, never slower
than MLflow.  The side panel's own queries (one row per model, sort by update time; MLflow
has no counterpart) have the same 10 ms target; counting every match for the panel's total
must stay <= 100 ms (its first rows must show within 500 ms).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

WORDS = ["churn", "fraud", "price", "demand", "credit", "risk", "forecast", "retention", "upsell", "lead",
         "score", "anomaly", "sensor", "vision", "text", "topic", "ranking", "click", "basket", "route",
         "energy", "claims", "triage", "spam", "sentiment", "weather", "supply", "inventory", "loan", "default"]
ALGOS = ["rf", "xgb", "lgbm", "logreg", "mlp", "svm", "knn", "gbm"]
TEAMS = [f"ml-team-{i}" for i in range(10)]

# (label, our search string, MLflow filter_string)
QUERIES = [
    ("tag exact", "tag:team=ml-team-3", "tags.team = 'ml-team-3'"),
    ("tag rare", "tag:version=17", "tags.version = '17'"),
    ("name substring", "name:churn", "name LIKE '%churn%'"),
    ("tag + name", "name:churn tag:team=ml-team-3", "name LIKE '%churn%' AND tags.team = 'ml-team-3'"),
    ("no match", "name:zzqqxx", "name LIKE '%zzqqxx%'"),
    ("no filter", "", ""),
]

# (label, our search string, extra ModelQuery fields): what the side panel asks for.
PANEL_QUERIES = [
    ("per model", "", {"latest_only": True}),
    ("per model+total", "", {"latest_only": True, "count_total": True}),
    ("per model, tag", "tag:team=ml-team-3", {"latest_only": True}),
    ("per model, name", "name:churn", {"latest_only": True, "count_total": True}),
    ("sort updated", "", {"sort": "time_updated", "latest_only": True}),
]


def dataset(n: int, seed: int = 7):
    """Deterministic rows: (name, description, tags, created_by, time offset)."""
    rng = random.Random(seed)
    for i in range(n):
        topic = rng.choice(WORDS)
        name = f"{topic}-{rng.choice(ALGOS)}-{i:06d}"
        desc = f"{rng.choice(ALGOS)} model for {topic} and {rng.choice(WORDS)} built by the {rng.choice(WORDS)} squad"
        tags = {"team": rng.choice(TEAMS), "version": str(rng.randrange(1, 200)), "env": rng.choice(["dev", "prod"])}
        yield name, desc, tags, f"user{rng.randrange(50)}", i


def load_ours(root: Path, n: int):
    import sqlalchemy as sa

    from model_catalog_ext.catalog import open_catalog
    from model_catalog_ext.catalog.records import dumps, name_key, new_etag, now_us
    from model_catalog_ext.catalog.tables import artifacts, model_tags, models

    svc = open_catalog(f"sqlite:///{root}/catalog.db", str(root / "blobs"))
    manifest = [{"path": "score.py", "size": 10, "sha256": "0" * 64}]
    start = now_us() - n * 1000
    t0 = time.perf_counter()
    with getattr(svc, "backend", svc)._write() as conn:
        # Room for the whole load in the page cache: no spilling to the WAL mid-transaction.
        conn.exec_driver_sql("PRAGMA cache_size = -524288")
        conn.execute(artifacts.insert().values(digest="d" * 64, size=10, file_count=1, manifest=dumps(manifest)))
        batch, tag_rows = [], []
        for seq, (name, desc, tags, user, offset) in enumerate(dataset(n), start=1):
            t = start + offset * 1000
            batch.append({
                "seq": seq, "id": f"mdl-{seq:024x}", "compartment_id": None, "project_id": None,
                "display_name": name, "name_key": name_key(name), "description": desc, "created_by": user, "time_created": t,
                "time_updated": t, "lifecycle_state": "ACTIVE", "framework": "scikit-learn",
                "freeform_tags": dumps(tags), "defined_metadata": "{}", "custom_metadata": "[]",
                "input_schema": None, "output_schema": None, "provenance": "{}",
                "version_set_id": f"mvs-{seq:024x}", "version": 1, "parent_id": None,
                "artifact_digest": "d" * 64, "artifact_size": 10, "etag": new_etag()})
            tag_rows += [{"seq": seq, "key": k, "value": v} for k, v in tags.items()]
            if len(batch) == 5000:
                conn.execute(models.insert(), batch)
                conn.execute(model_tags.insert(), tag_rows)
                batch, tag_rows = [], []
        if batch:
            conn.execute(models.insert(), batch)
            conn.execute(model_tags.insert(), tag_rows)
    with getattr(svc, "backend", svc).engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("INSERT INTO models_fts(models_fts) VALUES ('optimize')")
    load_s = time.perf_counter() - t0
    with getattr(svc, "backend", svc).engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(models)).scalar() == n
    return svc, load_s


def time_ours(svc, repeat: int) -> dict:
    from model_catalog_ext.catalog import parse_search

    results = {}
    for label, search, extra in QUERIES + PANEL_QUERIES:
        query = parse_search(search, **(extra if isinstance(extra, dict) else {}))
        page = svc.list(query)  # warm-up
        samples = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            page = svc.list(query)
            samples.append((time.perf_counter() - t0) * 1000)
        results[label] = {"median": statistics.median(samples), "p95": _p95(samples), "rows": len(page.items)}
    return results


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


MLFLOW_SCRIPT = textwrap.dedent('''
    import json, statistics, sys, time
    import sqlalchemy as sa
    sys.path.insert(0, sys.argv[4])
    from catalog_list import dataset, QUERIES, _p95
    import mlflow
    from mlflow.tracking import MlflowClient
    db, n, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    uri = f"sqlite:///{db}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    client.create_registered_model("warmup-schema")  # creates and migrates the schema
    client.delete_registered_model("warmup-schema")
    engine = sa.create_engine(uri)
    meta = sa.MetaData()
    rm = sa.Table("registered_models", meta, autoload_with=engine)
    rmt = sa.Table("registered_model_tags", meta, autoload_with=engine)
    t0 = time.perf_counter()
    now = int(time.time() * 1000) - n
    with engine.begin() as conn:
        models, tags = [], []
        for name, desc, tg, user, offset in dataset(n):
            row = {"name": name, "creation_time": now + offset, "last_updated_time": now + offset,
                   "description": desc}
            for col in rm.columns:  # newer MLflow versions add columns (e.g. workspace)
                if col.name not in row and not col.nullable and col.server_default is None:
                    row[col.name] = "default" if isinstance(col.type, sa.String) else 0
            models.append(row)
            for k, v in tg.items():
                t = {"name": name, "key": k, "value": v}
                for col in rmt.columns:
                    if col.name not in t and not col.nullable and col.server_default is None:
                        t[col.name] = "default" if isinstance(col.type, sa.String) else 0
                tags.append(t)
            if len(models) == 5000:
                conn.execute(rm.insert(), models); conn.execute(rmt.insert(), tags); models, tags = [], []
        if models:
            conn.execute(rm.insert(), models); conn.execute(rmt.insert(), tags)
    load = time.perf_counter() - t0
    out = {"version": mlflow.__version__, "load_s": load, "queries": {}}
    for label, _, flt in QUERIES:
        kw = {"filter_string": flt} if flt else {}
        res = client.search_registered_models(max_results=50, **kw)
        samples = []
        for _ in range(repeat):
            t = time.perf_counter()
            res = client.search_registered_models(max_results=50, **kw)
            samples.append((time.perf_counter() - t) * 1000)
        out["queries"][label] = {"median": statistics.median(samples), "p95": _p95(samples), "rows": len(res)}
    print(json.dumps(out))
''')


def mlflow_python() -> Path | None:
    venv = REPO / ".benchmarks-out" / "mlflow-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        print("creating the MLflow venv (once) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = subprocess.run([str(python), "-c", "import mlflow"], capture_output=True)
    if probe.returncode != 0:
        done = subprocess.run([str(python), "-m", "pip", "install", "-q", "mlflow"], capture_output=True, text=True)
        if done.returncode != 0:
            print(f"MLflow could not be installed:\n{done.stderr[-2000:]}", file=sys.stderr)
            return None
    return python


def run_mlflow(tmp: Path, n: int, repeat: int) -> dict | None:
    python = mlflow_python()
    if python is None:
        return None
    script = tmp / "mlflow_bench.py"
    script.write_text(MLFLOW_SCRIPT)
    done = subprocess.run([str(python), str(script), str(tmp / "mlflow.db"), str(n), str(repeat),
                           str(Path(__file__).parent)], capture_output=True, text=True,
                          env={**os.environ, "MLFLOW_TRACKING_URI": "", "PYTHONWARNINGS": "ignore"})
    if done.returncode != 0:
        print(f"MLflow run failed:\n{done.stderr[-3000:]}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=40)
    ap.add_argument("--no-mlflow", action="store_true")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="catalog-list-bench-") as tmp:
        tmp = Path(tmp)
        svc, load_s = load_ours(tmp, args.models)
        ours = time_ours(svc, args.repeat)
        svc.close()
        theirs = None if args.no_mlflow else run_mlflow(tmp, args.models, args.repeat)
    print(f"\nlist/filter, first page of 50, {args.models:,} models, {args.repeat} runs each (ms)")
    print(f"bulk load: ours {load_s:.1f} s" + (f", MLflow {theirs['load_s']:.1f} s (MLflow {theirs['version']})"
                                              if theirs else ""))
    header = f"{'query':<16}{'ours med':>10}{'ours p95':>10}{'rows':>6}"
    if theirs:
        header += f"{'mlflow med':>12}{'mlflow p95':>12}{'rows':>6}{'speed-up':>10}"
    print(header)
    ok = True
    for label, _, _ in QUERIES:
        o = ours[label]
        line = f"{label:<16}{o['median']:>10.2f}{o['p95']:>10.2f}{o['rows']:>6}"
        target = 5.0 if label.startswith("tag") and "+" not in label else 10.0
        ok &= o["median"] <= target
        if theirs:
            t = theirs["queries"][label]
            line += f"{t['median']:>12.2f}{t['p95']:>12.2f}{t['rows']:>6}{t['median'] / o['median']:>9.1f}x"
            ok &= o["median"] <= t["median"]
        print(line)
    for label, _, extra in PANEL_QUERIES:
        o = ours[label]
        target = 100.0 if extra.get("count_total") else 10.0
        ok &= o["median"] <= target
        print(f"{label:<16}{o['median']:>10.2f}{o['p95']:>10.2f}{o['rows']:>6}   (panel; target {target:.0f} ms)")
    if theirs is None and not args.no_mlflow:
        print("(MLflow baseline unavailable: see the message above)")
    print(f"targets (median <= 10 ms, tag filters <= 5 ms, never slower than MLflow): {'met' if ok else 'NOT met'}")
    if args.json:
        print(json.dumps({"ours": ours, "mlflow": theirs, "load_s": load_s}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
