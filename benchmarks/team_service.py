"""The team service under a team's load, against MLflow's tracking server in the same run
(issue 23, "Benchmark").

    python benchmarks/team_service.py [--models 1000000] [--clients 16] [--seconds 20]
                                      [--instances 2] [--mlflow-workers N] [--no-mlflow]
                                      [--no-listing-cache] [--quick] [--fresh] [--json]

``--quick``: a smoke run (10,000 models, 4 clients, 8 s phases).

What it does, all on this machine:
1. PostgreSQL and a moto S3 server, started here.  The cluster holding the N loaded models
   is kept in /tmp/mc-team-bench/ keyed by N, our schema revision, MLflow's version and the
   dataset version, so a second run skips the load (``--fresh`` reloads); each run works on
   copies (CREATE DATABASE ... TEMPLATE) so runs do not pile saves onto the cached data.
2. Our schema by ``jupyter model-catalog db upgrade``, MLflow's by MLflow itself; N models
   in each, bulk-loaded from one real save each (benchmarks/team_load.py says how).
3. ``--instances`` catalog services (``jupyter model-catalog serve``, default 2, as a team
   runs them behind a balancer; clients are spread over them) on PostgreSQL + S3, and
   ``mlflow server --backend-store-uri postgresql://... --serve-artifacts
   --artifacts-destination s3://...`` on the same cluster and S3 (its default 4 workers
   unless ``--mlflow-workers``).  MLflow lives in its own venv (/tmp/mlflow-venv, created
   here with ``pip install mlflow psycopg2-binary boto3`` when missing), never in ours.
4. ``--clients`` client processes per system (benchmarks/team_clients.py: our real client,
   the http backend behind ``open_catalog``; MLflow's ``MlflowClient``), four timed phases
   each: one client lists alone (the latency without load), all save, all list (tag filter
   and name filter in turn), half save while half list.

Clients list the same two first pages again and again, as side panels do: a service answers
a listing asked again from memory while nothing on it changed (a change counter and log every
write keeps, read once per listing: model_catalog_ext/catalog/listing_cache.py), so in the
``list`` phase listings are served from memory, and in ``mixed`` each save is checked against
the kept pages (a save of another tag leaves them; one of the listed tag, one in 50, makes
that page be read again).  ``--no-listing-cache`` shows every listing going to PostgreSQL.

Reported: saves/s and lists/s, first-page list p50/p95 per filter (ms), each server's RSS
(start, peak, end, summed over its processes), the CPU milliseconds one operation costs each
process group (server, PostgreSQL, moto, clients; from /proc), and the ratios against the
targets: list p95 <= 50 ms at 1M models, saves/s >= 2x MLflow's, service RSS bounded.

Reading the figures: clients, servers, PostgreSQL and moto all share this machine's cores
(and, on a shared build machine, with whatever else runs: the load average is printed).
Clients that fire back to back with no pause make every phase but ``solo`` a throughput
test: latency there is about clients / (operations per second), so it measures CPU per
operation more than the service's own latency.  ``solo`` and the CPU per operation are the
figures that carry over to a service on its own machine.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

import team_load  # noqa: E402
import team_servers as servers  # noqa: E402

CACHE = Path("/tmp/mc-team-bench")
MLFLOW_VENV = Path("/tmp/mlflow-venv")
PHASES = ("solo", "save", "list", "mixed")
LIST_P95_TARGET_MS = 50.0
SAVE_RATIO_TARGET = 2.0


def mlflow_python() -> Path:
    python = MLFLOW_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {MLFLOW_VENV} for MLflow (once) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(MLFLOW_VENV)], check=True)
    if subprocess.run([str(python), "-c", "import mlflow, psycopg2, boto3"], capture_output=True).returncode:
        subprocess.run([str(python), "-m", "pip", "install", "-q", "mlflow", "psycopg2-binary", "boto3"], check=True)
    return python


def mlflow_version(python: Path) -> str:
    return subprocess.run([str(python), "-c", "import importlib.metadata as m; print(m.version('mlflow'))"],
                          capture_output=True, text=True, check=True).stdout.strip()


def p(samples: list[float], q: float) -> float | None:
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# --- data ---------------------------------------------------------------------------------------
def prepared_cluster(args, moto: servers.Moto, work: Path, mlflow_py: Path | None, mlflow_ver: str | None):
    """The running cluster with ``catalog_tpl`` (and ``mlflow_tpl``) loaded; the load's figures."""
    from model_catalog_ext.catalog.migrate import HEAD_REVISION

    key = f"n{args.models}-{HEAD_REVISION}-mlflow{mlflow_ver or 'none'}-d{team_load.DATASET_VERSION}"
    home = CACHE / key
    marker = home / "loaded.json"
    older = sorted(CACHE.glob(f"n{args.models}-*-mlflow{mlflow_ver or 'none'}-d{team_load.DATASET_VERSION}"))
    if not args.fresh and not marker.exists() and any((o / "loaded.json").exists() for o in older):
        # The same data under an older schema: `db upgrade` it (as a team would) instead of
        # loading a million models again.
        source = next(o for o in older if (o / "loaded.json").exists())
        print(f"upgrading the loaded cluster in {source} to {HEAD_REVISION}", file=sys.stderr)
        source.rename(home)
        pg = servers.start_postgres(home / "pgdata")
        subprocess.run([sys.executable, "-m", "model_catalog_ext.cli", "db", "upgrade", "--url",
                        pg.url("catalog_tpl")], check=True, stdout=subprocess.DEVNULL)
        return pg, json.loads(marker.read_text())
    if args.fresh or not marker.exists():
        shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True, exist_ok=True)
    pg = servers.start_postgres(home / "pgdata")
    if marker.exists():
        print(f"using the loaded cluster in {home}", file=sys.stderr)
        return pg, json.loads(marker.read_text())
    options = moto.storage_options()
    loaded: dict = {}
    try:
        with pg.admin().connect() as conn:
            for db in ("catalog_tpl", "mlflow_tpl"):
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {db}")
                conn.exec_driver_sql(f"CREATE DATABASE {db}")
        print(f"loading {args.models:,} models into our schema ...", file=sys.stderr)
        loaded["ours"] = team_load.load_ours(pg.url("catalog_tpl"), "s3://bench/catalog", options, args.models,
                                             work)
        print(f"  {loaded['ours']}", file=sys.stderr)
        if mlflow_py is not None:
            print(f"loading {args.models:,} models into MLflow's schema ...", file=sys.stderr)
            loaded["mlflow"] = team_load.load_mlflow(mlflow_py, pg.url("mlflow_tpl"), "s3://bench/mlflow",
                                                     args.models, work)
            print(f"  {loaded['mlflow']}", file=sys.stderr)
    except BaseException:
        servers.stop_postgres(pg)
        shutil.rmtree(home, ignore_errors=True)
        raise
    marker.write_text(json.dumps(loaded))
    return pg, loaded


def run_databases(pg: servers.Postgres, with_mlflow: bool) -> None:
    with pg.admin().connect() as conn:
        for name in ("catalog", "mlflow") if with_mlflow else ("catalog",):
            conn.exec_driver_sql(f"CREATE DATABASE {name}_run TEMPLATE {name}_tpl STRATEGY FILE_COPY")


def drop_run_databases(pg: servers.Postgres) -> None:
    """The run's copies go with the run (at 1M models they take gigabytes)."""
    with pg.admin().connect() as conn:
        for name in ("catalog", "mlflow"):
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}_run WITH (FORCE)")


def restore_seed_blob(pg: servers.Postgres, moto: servers.Moto, work: Path) -> None:
    """The loaded entries share the seed's blob, which lived in an earlier moto: save the
    seed's bytes again (a real save), which stores the blob anew, and check one old entry."""
    from model_catalog_ext.catalog import open_catalog

    catalog = open_catalog(pg.url("catalog_run"), "s3://bench/catalog", storage_options=moto.storage_options())
    catalog.save(team_load.seed_artifact(work / "seed-artifact"), display_name="seed bytes again")
    oldest = catalog.list(sort="time_created", order="asc", limit=1).items[0]
    damaged = catalog.verify(oldest.id)
    catalog.close()
    if damaged:
        raise RuntimeError(f"the loaded entries' artifact is not readable: {damaged}")


# --- clients ------------------------------------------------------------------------------------
def start_clients(python: Path, configs: list[dict], env: dict, log: Path) -> list[subprocess.Popen]:
    with open(log, "ab") as err:
        procs = [subprocess.Popen([str(python), str(HERE / "team_clients.py"), json.dumps(cfg)], env=env,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True, bufsize=1)
                 for cfg in configs]
    for proc in procs:
        line = proc.stdout.readline().strip()
        if line != "ready":
            for other in procs:
                other.kill()
            raise RuntimeError(f"a client could not start: {line[:3000]}\n(more in {log})")
    return procs


@dataclass
class System:
    """One system under test: its client processes and the server processes to watch."""

    label: str
    procs: list[subprocess.Popen]
    rss_roots: dict[str, int]  # server label -> root pid
    shared: dict[str, int]  # other servers whose CPU this system's phases use (PostgreSQL, moto)

    def run_phase(self, phase: str, seconds: float) -> dict:
        print(f"{self.label}: phase '{phase}' ({seconds:.0f} s)", file=sys.stderr)
        cpu_roots = {**self.rss_roots, **self.shared, **{f"client-{i}": c.pid for i, c in enumerate(self.procs)}}
        with servers.RssSampler(self.rss_roots) as rss, servers.CpuMeter(cpu_roots) as cpu:
            for proc in self.procs:
                proc.stdin.write(f"run {phase} {seconds}\n")
                proc.stdin.flush()
            answers = [json.loads(proc.stdout.readline()) for proc in self.procs]
        used = {"server": sum(cpu.used[k] for k in self.rss_roots), **{k: cpu.used[k] for k in self.shared},
                "clients": sum(v for k, v in cpu.used.items() if k.startswith("client-"))}
        merged: dict = {"save": [], "list_tag": [], "list_name": []}
        errors, first_error, rows = 0, None, {}
        for answer in answers:
            for kind in merged:
                merged[kind] += answer[kind]
            errors += answer["errors"]
            first_error = first_error or answer["error"]
            rows.update(answer["rows"])
        lists = len(merged["list_tag"]) + len(merged["list_name"])
        return {
            "saves_per_s": len(merged["save"]) / seconds if merged["save"] else None,
            "save_p50": p(merged["save"], 0.5), "save_p95": p(merged["save"], 0.95),
            "lists_per_s": lists / seconds if lists else None,
            **{f"{kind}_{name}": p(merged[kind], q) for kind in ("list_tag", "list_name")
               for name, q in (("p50", 0.5), ("p95", 0.95))},
            "rows": rows, "errors": errors, "first_error": first_error, "loadavg_1min": os.getloadavg()[0],
            "rss_mib": {k: {"start": rss.start[k] / 1024, "peak": rss.peak[k] / 1024, "end": rss.end[k] / 1024}
                        for k in self.rss_roots},
            # CPU ms per operation of the phase, by process group: what the machine pays for one.
            "cpu_ms_per_op": {k: 1000 * v / max(1, len(merged["save"]) + lists) for k, v in used.items()}}

    def stop(self) -> None:
        for proc in self.procs:
            try:
                proc.stdin.write("quit\n")
                proc.stdin.flush()
            except OSError:
                pass
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def run_interleaved(systems: list[System], seconds: float) -> dict:
    """Each phase on each system in turn (ours, then MLflow, then the next phase): the other
    helpers' load on this shared machine drifts over minutes, and alike for both this way."""
    results: dict = {s.label: {} for s in systems}
    for phase in PHASES:
        for system in systems:
            results[system.label][phase] = system.run_phase(phase, seconds)
    return results


# --- report -------------------------------------------------------------------------------------
def _ms(value) -> str:
    return "-" if value is None else f"{value:.1f}"


def report(args, results: dict, loaded: dict) -> bool:
    ours, theirs = results["ours"], results.get("mlflow")
    print(f"\nteam service, {args.models:,} models, {args.clients} client processes, {args.seconds:.0f} s phases, "
          f"{os.cpu_count()} cores shared by every process (clients, servers, PostgreSQL, moto)")
    print(f"ours: {args.instances} x `jupyter model-catalog serve` on PostgreSQL + moto S3"
          + (f"; MLflow {loaded['mlflow']['version']}: `mlflow server` "
             f"({args.mlflow_workers or 'default 4'} workers) on the same" if theirs else ""))
    header = f"{'phase':<7}{'figure':<20}{'ours':>10}" + (f"{'MLflow':>10}{'ours/MLflow':>13}" if theirs else "")
    print(header)
    rows = [("saves/s", "saves_per_s"), ("save p50 ms", "save_p50"), ("save p95 ms", "save_p95"),
            ("lists/s", "lists_per_s"),
            ("list tag p50 ms", "list_tag_p50"), ("list tag p95 ms", "list_tag_p95"),
            ("list name p50 ms", "list_name_p50"), ("list name p95 ms", "list_name_p95")]
    for phase in PHASES:
        for label, key in rows:
            o = ours[phase][key]
            if o is None:
                continue
            line = f"{phase:<7}{label:<20}{_ms(o):>10}"
            if theirs:
                t = theirs[phase][key]
                ratio = (o / t if key.endswith("_per_s") else t / o) if o and t else None
                line += f"{_ms(t):>10}{(f'{ratio:.2f}x' if ratio else '-'):>13}"
            print(line)
        for system, res in (("ours", ours), ("MLflow", theirs)):
            if res and res[phase]["errors"]:
                print(f"  {system} {phase}: {res[phase]['errors']} errors, first: {res[phase]['first_error']}")
    print("(ours/MLflow: rates ours over MLflow's, latencies MLflow's over ours: >1 means ours is better)")
    print("first-page rows:", {s: r["list"]["rows"] for s, r in results.items()})
    print("RSS MiB (start / peak / end of each phase):")
    for system, res in results.items():
        for server in res[PHASES[0]]["rss_mib"]:
            cells = "  ".join(f"{ph} {res[ph]['rss_mib'][server]['start']:.0f}/{res[ph]['rss_mib'][server]['peak']:.0f}/"
                              f"{res[ph]['rss_mib'][server]['end']:.0f}" for ph in PHASES)
            print(f"  {system:<7}{server:<12}{cells}")
    print("CPU ms per operation (server / PostgreSQL / moto / clients):")
    for system, res in results.items():
        cells = "  ".join(f"{ph} " + "/".join(f"{res[ph]['cpu_ms_per_op'][k]:.1f}" for k in
                                               ("server", "postgresql", "moto", "clients")) for ph in PHASES)
        print(f"  {system:<7}{cells}")
    print("machine load average (1 min) at the end of each phase:",
          {s: {ph: round(r[ph]["loadavg_1min"], 1) for ph in PHASES} for s, r in results.items()})
    print(f"bulk load: {json.dumps(loaded)}")
    worst_p95 = max(ours[ph][k] for ph in ("list", "mixed") for k in ("list_tag_p95", "list_name_p95")
                    if ours[ph][k] is not None)
    ok = worst_p95 <= LIST_P95_TARGET_MS
    print(f"target list p95 <= {LIST_P95_TARGET_MS:.0f} ms: worst {worst_p95:.1f} ms -> {'met' if ok else 'NOT met'}"
          + ("" if args.models >= 1_000_000 else f" (at {args.models:,} models, not 1M)"))
    if theirs:
        ratio = ours["save"]["saves_per_s"] / theirs["save"]["saves_per_s"]
        ok &= ratio >= SAVE_RATIO_TARGET
        print(f"target saves/s >= {SAVE_RATIO_TARGET:.0f}x MLflow's: {ratio:.2f}x -> "
              f"{'met' if ratio >= SAVE_RATIO_TARGET else 'NOT met'}")
    peak = max(ours[ph]["rss_mib"][s]["peak"] for ph in PHASES for s in ours[ph]["rss_mib"])
    print(f"service RSS: peak {peak:.0f} MiB per instance (bounded: see start/peak/end above)")
    return ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=20.0, help="length of each timed phase")
    ap.add_argument("--instances", type=int, default=2, help="catalog service instances")
    ap.add_argument("--mlflow-workers", type=int, default=None, help="mlflow server --workers (its default: 4)")
    ap.add_argument("--no-mlflow", action="store_true")
    ap.add_argument("--no-listing-cache", action="store_true",
                    help="services without their listing cache: every listing asks PostgreSQL")
    ap.add_argument("--quick", action="store_true", help="smoke run: 10,000 models, 4 clients, 8 s phases")
    ap.add_argument("--fresh", action="store_true", help="reload the data even if a loaded cluster is cached")
    ap.add_argument("--load-only", action="store_true", help="load (or find) the cluster, then stop")
    ap.add_argument("--json", action="store_true", help="print every figure as JSON too")
    args = ap.parse_args(argv)
    if args.quick:
        args.models, args.clients, args.seconds = 10_000, 4, 8.0
    os.environ.update(servers.S3_KEYS)
    # Subprocesses (db upgrade, services, clients) import this checkout's package.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    mlflow_py = None if args.no_mlflow else mlflow_python()
    mlflow_ver = mlflow_version(mlflow_py) if mlflow_py else None

    from service_process import SERVICE_TOKEN, start_service, stop_service

    started: list = []
    # Logs of the last run stay for reading (servers, clients, MLflow).
    work = CACHE / "last-run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if True:
        moto = servers.start_moto(work / "moto.log")
        started.append(lambda: servers.stop_process(moto.process))
        try:
            import s3fs

            s3fs.S3FileSystem(**moto.storage_options()).mkdir("bench")
            pg, loaded = prepared_cluster(args, moto, work, mlflow_py, mlflow_ver)
            started.append(lambda: (drop_run_databases(pg), servers.stop_postgres(pg)))
            if args.load_only:
                return 0
            drop_run_databases(pg)  # left by a run that was killed
            run_databases(pg, mlflow_py is not None)
            restore_seed_blob(pg, moto, work)
            env = {"FSSPEC_S3_ENDPOINT_URL": moto.endpoint, "AWS_ENDPOINT_URL": moto.endpoint}
            cache = ("--ModelCatalogConfig.listing_cache_pages=0",) if args.no_listing_cache else ()
            services = [start_service(work / f"service{i}", catalog_url=pg.url("catalog_run"),
                                      artifact_root="s3://bench/catalog", env=env,
                                      extra=("--ServerApp.log_level=WARN", *cache))
                        for i in range(args.instances)]
            for service in services:
                started.append(lambda s=service: stop_service(s))
            tag, name = list(team_load.TAG_FILTER), team_load.NAME_FILTER
            systems: list[System] = []
            configs = [{"system": "ours", "client": i, "url": services[i % len(services)].url,
                        "token": SERVICE_TOKEN, "tag": tag, "name": name} for i in range(args.clients)]
            print(f"ours: starting {args.clients} clients ...", file=sys.stderr)
            procs = start_clients(Path(sys.executable), configs, {**os.environ, **env}, work / "clients-ours.log")
            shared = {"postgresql": servers.postmaster_pid(pg), "moto": moto.process.pid}
            systems.append(System("ours", procs, {f"service-{i + 1}": s.process.pid for i, s in enumerate(services)},
                                  shared))
            started.append(systems[-1].stop)
            if mlflow_py is not None:
                proc, url = servers.start_mlflow(mlflow_py, pg.url("mlflow_run", "postgresql+psycopg2"),
                                                 "s3://bench/mlflow", moto, work / "mlflow", args.mlflow_workers)
                started.append(lambda: servers.stop_process(proc))
                configs = [{"system": "mlflow", "client": i, "url": url, "tag": tag, "name": name}
                           for i in range(args.clients)]
                client_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
                client_env.update(MLFLOW_S3_ENDPOINT_URL=moto.endpoint, PYTHONWARNINGS="ignore")
                print(f"MLflow: starting {args.clients} clients ...", file=sys.stderr)
                procs = start_clients(mlflow_py, configs, client_env, work / "clients-mlflow.log")
                systems.append(System("mlflow", procs, {"mlflow": proc.pid}, shared))
                started.append(systems[-1].stop)
            results = run_interleaved(systems, args.seconds)
        finally:
            for stop in reversed(started):
                stop()
    ok = report(args, results, loaded)
    if args.json:
        print(json.dumps({"results": results, "loaded": loaded}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
