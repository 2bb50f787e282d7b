"""The OCI backend against the bare ``oci`` SDK and ADS 2.16, on the loopback fake of OCI.

    python benchmarks/oci_bench.py [--models 10000] [--size-mib 1024] [--repeat 40] [--turns 2] [--no-ads]
                                   [--ads-full-listing]

One fake (tests/oci/oci_fake_service.py, in its own process so it does not share our GIL)
holds ``--models`` models in one compartment (tags ``team: ml-team-<i % 10>``); everything
runs against it in the same run:

- listing (in this process, medians of ``--repeat`` calls after a warm-up, ours and the bare
  call taking turns): the first page of 50,
  a name filter and a tag filter through our API (``CatalogService.list``) vs a bare
  ``DataScienceClient.list_models``.  OCI filters the first page natively: target <= 1.2x.
  Our name filter is a case-insensitive substring and OCI's ``displayName`` an exact match,
  and OCI has no tag filter, so those two read OCI's pages and filter here: they are compared
  with the bare SDK doing the same (pages of 1000, filtered in Python), and shown next to
  the native exact-name call;
- a ``--size-mib`` artifact (random bytes, plus score.py): our save and download (into a
  folder, every byte checked) vs a bare ``create_model_artifact`` of the same files already
  zipped and a bare ``get_model_artifact_content`` into a file, ``--turns`` times each in
  turns (the fastest kept, the median shown: a 1 GiB write here swings 4x with the VM's
  memory state, the bare SDK's 1 MiB writes most); target >= 0.8x the bare throughput,
  peak RSS of each (each runs in its own process);
- the same through ADS 2.16 in its venv (tests/artifact/ads_env.py): ours should be no slower.
  ADS's first page is ``ModelCatalog.list_models(limit=50)`` (it also asks Identity for each
  model's author: 50 more calls, which the fake answers); its exact name is native; a tag
  filter means listing every model through ADS (``--ads-full-listing``: ADS builds a
  client-backed object per model, ten minutes for 10,000 here);
- the fake's own ceiling: the same list page and download as raw signed HTTP requests
  (no SDK), so the ratios measure clients, not the fake.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "oci"))

TENANCY = "ocid1.tenancy.oc1..aaaabenchtenancy"
USER = "ocid1.user.oc1..aaaabenchuser"
COMPARTMENT = "ocid1.compartment.oc1..aaaabenchcompartment"
PROJECT = "ocid1.datascienceproject.oc1.iad.aaaabenchproject"
REGION = "us-ashburn-1"


def name_filter(models: int) -> tuple[str, str]:
    """(a substring of the 10 newest names, the newest name): bulk-0999 and bulk-09999 of 10,000."""
    newest = f"bulk-{models - 1:05d}"
    return newest[:-1], newest
TAG = ("team", "ml-team-3")


# --- the fake, in its own process ------------------------------------------------------------
def serve_fake(folder: str, public_pem: str, key_id: str, models: int) -> None:
    from cryptography.hazmat.primitives import serialization
    from oci_fake_service import FakeDataScience

    key = serialization.load_pem_public_key(Path(public_pem).read_bytes())
    fake = FakeDataScience(key, key_id, folder)
    fake.add_models(models, COMPARTMENT, PROJECT, tags=lambda i: {TAG[0]: f"ml-team-{i % 10}"})
    fake.calls = _NoCalls()  # a benchmark's millions of calls need not be remembered
    print("ENDPOINT", fake.endpoint, flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
    fake.close()


class _NoCalls(list):
    def append(self, item) -> None:
        pass


def start_fake(work: Path, models: int):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = work / "key.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                      serialization.NoEncryption()))
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.md5(der).hexdigest()
    fingerprint = ":".join(digest[i:i + 2] for i in range(0, 32, 2))
    public = work / "key.pub.pem"
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    config = work / "config"
    config.write_text(f"[DEFAULT]\nuser={USER}\nfingerprint={fingerprint}\ntenancy={TENANCY}\nregion={REGION}\n"
                      f"key_file={pem}\n")
    store = work / "fake-store"
    store.mkdir()
    proc = subprocess.Popen([sys.executable, __file__, "--serve-fake", str(store), str(public),
                             f"{TENANCY}/{USER}/{fingerprint}", str(models)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().split()
    if line[:1] != ["ENDPOINT"]:
        raise SystemExit("the fake did not start")
    return proc, line[1], config


def catalog_url(endpoint: str, config: Path) -> str:
    return (f"oci://{REGION}/{COMPARTMENT}?project={PROJECT}&config={config}&endpoint={endpoint}"
            "&retries=1&timeout=600")


def sdk_client(endpoint: str, config: Path):
    import oci

    return oci.data_science.DataScienceClient(oci.config.from_file(str(config)), service_endpoint=endpoint,
                                              retry_strategy=oci.retry.NoneRetryStrategy(), timeout=(30, 600))


def raw_session(config: Path):
    """requests with the SDK's signer: the HTTP round trip without the SDK's (de)serialization."""
    import oci
    import requests

    cfg = oci.config.from_file(str(config))
    session = requests.Session()
    session.auth = oci.signer.Signer(cfg["tenancy"], cfg["user"], cfg["fingerprint"], cfg["key_file"])
    return session


# --- listing -----------------------------------------------------------------------------------
_T0 = time.monotonic()


def log(what: str) -> None:
    print(f"[{time.monotonic() - _T0:7.1f} s] {what}", file=sys.stderr, flush=True)


def timed(fn, repeat: int) -> float:
    fn()  # warm-up: connections, caches
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def paired(first, second, repeat: int) -> tuple[float, float]:
    """Medians of two calls timed in turns (on a noisy machine, blocks timed one after the
    other drift apart; turns see the same noise)."""
    first(), second()
    a, b = [], []
    for _ in range(repeat):
        for fn, times in ((first, a), (second, b)):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
    return statistics.median(a), statistics.median(b)


def bare_scan(client, keep, limit: int = 50) -> list:
    """What a caller of the bare SDK writes for a filter OCI lacks: pages of 1000, filtered."""
    found, page = [], None
    while True:
        kwargs = {"limit": 1000, "sort_by": "timeCreated", "sort_order": "DESC"}
        if page:
            kwargs["page"] = page
        response = client.list_models(COMPARTMENT, **kwargs)
        found += [s for s in response.data if s.lifecycle_state == "ACTIVE" and keep(s)]
        page = response.headers.get("opc-next-page")
        if len(found) >= limit or not page:
            return found[:limit]


def bench_listing(endpoint: str, config: Path, repeat: int, models: int) -> dict:
    from model_catalog_ext.catalog import open_catalog

    client, session = sdk_client(endpoint, config), raw_session(config)
    ours = open_catalog(catalog_url(endpoint, config))
    url = f"{endpoint}/20190101/models"
    first_query = {"compartmentId": COMPARTMENT, "limit": 50, "sortBy": "timeCreated", "sortOrder": "DESC"}
    r = {}
    log("listing")
    r["fake ceiling: raw signed GET, 50 rows"] = timed(lambda: session.get(url, params=first_query).content, repeat)
    r["fake ceiling: raw signed GET, 1000 rows"] = timed(
        lambda: session.get(url, params={**first_query, "limit": 1000}).content, repeat)
    r["bare: first page"], r["ours: first page"] = paired(
        lambda: client.list_models(COMPARTMENT, limit=50, sort_by="timeCreated", sort_order="DESC"),
        lambda: ours.list(limit=50), repeat)
    r["ours: first page, every row's details read"] = timed(
        lambda: [e.to_dict() for e in ours.list(limit=50).items], max(3, repeat // 3))
    substring, exact = name_filter(models)
    r["bare: exact name (native displayName)"] = timed(
        lambda: client.list_models(COMPARTMENT, display_name=exact, limit=50), repeat)
    r["bare: name substring, scanned"], r["ours: name substring"] = paired(
        lambda: bare_scan(client, lambda s: substring in (s.display_name or "").casefold()),
        lambda: ours.list(name=substring, limit=50), repeat)
    r["bare: tag, scanned"], r["ours: tag"] = paired(
        lambda: bare_scan(client, lambda s: (s.freeform_tags or {}).get(TAG[0]) == TAG[1]),
        lambda: ours.list(tags=[f"{TAG[0]}:{TAG[1]}"], limit=50), repeat)
    assert len(ours.list(name=substring, limit=50).items) == 10
    assert len(ours.list(tags=[f"{TAG[0]}:{TAG[1]}"], limit=50).items) == 50
    ours.close()
    return r


# --- one transfer per process (for its peak RSS) --------------------------------------------
def worker(op: str, endpoint: str, config: str, *args: str) -> dict:
    from model_catalog_ext.catalog import open_catalog

    cfg = Path(config)
    out: dict = {}
    if op == "bare-upload":
        import oci

        client = sdk_client(endpoint, cfg)
        zip_path = args[0]
        started = time.perf_counter()
        model = client.create_model(oci.data_science.models.CreateModelDetails(
            compartment_id=COMPARTMENT, project_id=PROJECT, display_name="bare 1 GiB")).data
        with open(zip_path, "rb") as body:
            client.create_model_artifact(model.id, body, content_length=os.path.getsize(zip_path),
                                         content_disposition=f'attachment; filename="{model.id}.zip"')
        out = {"seconds": time.perf_counter() - started, "id": model.id}
    elif op == "bare-download":
        client = sdk_client(endpoint, cfg)
        started = time.perf_counter()
        response = client.get_model_artifact_content(args[0])
        with open(args[1], "wb") as f:
            for chunk in response.data.raw.stream(1024 * 1024, decode_content=False):
                f.write(chunk)
        out = {"seconds": time.perf_counter() - started}
    elif op == "raw-download":
        session = raw_session(cfg)
        started = time.perf_counter()
        with session.get(f"{endpoint}/20190101/models/{args[0]}/artifact/content", stream=True) as response:
            with open(args[1], "wb") as f:
                for chunk in response.raw.stream(1024 * 1024, decode_content=False):
                    f.write(chunk)
        out = {"seconds": time.perf_counter() - started}
    elif op == "ours-save":
        with open_catalog(catalog_url(endpoint, cfg)) as svc:
            started = time.perf_counter()
            entry = svc.save(args[0], display_name="ours 1 GiB")
            out = {"seconds": time.perf_counter() - started, "id": entry.id}
    elif op == "ours-download":
        with open_catalog(catalog_url(endpoint, cfg)) as svc:
            started = time.perf_counter()
            svc.download(args[0], args[1])
            out = {"seconds": time.perf_counter() - started}
    out["maxrss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def run_worker(*args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, __file__, "--worker", *args], capture_output=True, text=True, env=env)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"worker {args[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")


def run_ads(python: str, endpoint: str, config: Path, work: Path, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["TMPDIR"] = str(work)  # ADS leaves its temporary zip behind
    done = subprocess.run([python, str(Path(__file__).with_name("oci_bench_ads.py")), str(config), endpoint,
                           COMPARTMENT, PROJECT, *args], capture_output=True, text=True, env=env)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"ADS {args[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")


def make_artifact(folder: Path, size_mib: int) -> Path:
    folder.mkdir()
    (folder / "score.py").write_text("def load_model():\n    return None\n\ndef predict(data, model=None):\n"
                                     "    return {'prediction': data}\n")
    with open(folder / "model.bin", "wb") as f:
        for _ in range(size_mib // 8):
            f.write(os.urandom(8 * 1024 * 1024))
        f.write(os.urandom((size_mib % 8) * 1024 * 1024))
    zipped = folder.with_suffix(".zip")
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_STORED) as zf:
        for p in sorted(folder.iterdir()):
            zf.write(p, p.name)
    return zipped


def fastest(runs: dict[str, list]) -> dict:
    """The fastest row of each operation's turns, with the median of their seconds."""
    kept = {}
    for label, rows in runs.items():
        kept[label] = {**min(rows, key=lambda row: row["seconds"]),
                       "median_seconds": statistics.median(row["seconds"] for row in rows)}
    return kept


def bench_transfers(endpoint: str, config: Path, work: Path, size_mib: int, ads_python: str | None,
                    turns: int = 2) -> dict:
    folder = work / "artifact"
    zipped = make_artifact(folder, size_mib)
    r: dict = {}

    def drop(path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)

    log("transfers")
    saves: dict[str, list] = {"bare upload": [], "ours save": []}
    for _ in range(turns):  # in turns; the fastest of each is kept, its median shown (the machine is shared)
        saves["bare upload"].append(run_worker("bare-upload", endpoint, str(config), str(zipped)))
        saves["ours save"].append(run_worker("ours-save", endpoint, str(config), str(folder)))
        os.sync()  # the uploads' dirty pages, written back during the next one, would slow it
    r.update(fastest(saves))
    bare, ours = saves["bare upload"][0], saves["ours save"][0]
    log("downloads")
    runs: dict[str, list] = {"fake ceiling: raw download": [], "bare download": [], "ours download": []}
    for _ in range(turns):
        runs["fake ceiling: raw download"].append(
            run_worker("raw-download", endpoint, str(config), bare["id"], str(work / "raw.zip")))
        drop(work / "raw.zip")
        runs["bare download"].append(
            run_worker("bare-download", endpoint, str(config), bare["id"], str(work / "bare.zip")))
        drop(work / "bare.zip")
        runs["ours download"].append(
            run_worker("ours-download", endpoint, str(config), ours["id"], str(work / "ours-out")))
        drop(work / "ours-out")
    r.update(fastest(runs))
    if ads_python:
        log("ads save")
        r["ads save"] = ads = run_ads(ads_python, endpoint, config, work, "save", str(folder))
        log("ads download")
        r["ads download"] = run_ads(ads_python, endpoint, config, work, "download", ads["id"],
                                    str(work / "ads-out"))
        drop(work / "ads-out")
    drop(folder)
    drop(zipped)
    return r


def report(listing: dict, ads_listing: dict | None, transfers: dict, size_mib: int, args) -> bool:
    """Print the figures; False when a target is missed."""
    print(f"\nOCI backend vs bare SDK (and ADS), {args.models} models, fake {args.endpoint_note}; "
          "machine shared (2 cores, other agents busy): figures are noisy.")
    print("\nListing (median ms):")
    for label, seconds in listing.items():
        print(f"  {label:<48} {seconds * 1000:9.1f}")

    def ratio(a: str, b: str) -> str:
        return f"{listing[a] / listing[b]:.2f}x"

    print(f"  ratio first page ours/bare            {ratio('ours: first page', 'bare: first page')}  (target <= 1.2x)")
    print(f"  ratio name substring ours/bare scan   {ratio('ours: name substring', 'bare: name substring, scanned')}"
          f"  (vs bare exact-name call: {ratio('ours: name substring', 'bare: exact name (native displayName)')})")
    print(f"  ratio tag ours/bare scan              {ratio('ours: tag', 'bare: tag, scanned')}")
    if ads_listing:
        print("  ADS 2.16 (median ms): " + ", ".join(f"{k} {v * 1000:.1f}" for k, v in ads_listing.items()
                                                   if k != "maxrss_mib"))
        print(f"  ratio first page ours/ADS             {listing['ours: first page'] / ads_listing['first_page']:.2f}x")
    print(f"\n{size_mib} MiB artifact (seconds, MiB/s, peak RSS MiB):")
    for label, row in transfers.items():
        median = f"  (median {row['median_seconds']:.2f} s)" if "median_seconds" in row else ""
        print(f"  {label:<28} {row['seconds']:8.2f} s {size_mib / row['seconds']:8.1f} MiB/s "
              f"{row['maxrss_mib']:8.0f} MiB{median}")

    def speed(a: str, b: str) -> str:
        return f"{transfers[b]['seconds'] / transfers[a]['seconds']:.2f}x"

    def median_speed(a: str, b: str) -> str:
        return f"{transfers[b]['median_seconds'] / transfers[a]['median_seconds']:.2f}x"

    print(f"  throughput save ours/bare upload      {speed('ours save', 'bare upload')}  (target >= 0.8x; "
          f"of medians {median_speed('ours save', 'bare upload')})")
    print(f"  throughput download ours/bare         {speed('ours download', 'bare download')}  (target >= 0.8x; "
          f"of medians {median_speed('ours download', 'bare download')})")
    if "ads save" in transfers:
        print(f"  throughput save ours/ADS              {speed('ours save', 'ads save')}  (target >= 1x)")
        print(f"  throughput download ours/ADS          {speed('ours download', 'ads download')}  (target >= 1x)")
    missed = []
    if listing["ours: first page"] > 1.2 * listing["bare: first page"]:
        missed.append("first page")
    for ours, bare in (("ours save", "bare upload"), ("ours download", "bare download")):
        if transfers[ours]["seconds"] * 0.8 > transfers[bare]["seconds"]:
            missed.append(ours)
    for ours, theirs in (("ours save", "ads save"), ("ours download", "ads download")):
        if theirs in transfers and transfers[ours]["seconds"] > transfers[theirs]["seconds"]:
            missed.append(f"{ours} vs ADS")
    if ads_listing and listing["ours: first page"] > ads_listing["first_page"]:
        missed.append("first page vs ADS")
    print("\ntargets: " + ("all met" if not missed else "MISSED " + ", ".join(missed)))
    return not missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=10000)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--turns", type=int, default=2,
                        help="saves and downloads of the artifact, each taking turns with the bare SDK's (fastest kept)")
    parser.add_argument("--no-ads", action="store_true")
    parser.add_argument("--ads-full-listing", action="store_true",
                        help="also time ADS listing every model to filter by tag (10 minutes for 10,000 here)")
    args = parser.parse_args()
    ads_python = None
    if not args.no_ads:
        sys.path.insert(0, str(REPO / "tests" / "artifact"))
        from ads_env import ensure_ads_python

        ads_python, why = ensure_ads_python()
        if ads_python is None:
            print(f"ADS skipped: {why}")
    work = Path(tempfile.mkdtemp(prefix="oci-bench-"))
    proc, endpoint, config = start_fake(work, args.models)
    try:
        listing = bench_listing(endpoint, config, args.repeat, args.models)
        ads_listing = None
        if ads_python:
            log("ads listing")
            ads_listing = run_ads(ads_python, endpoint, config, work, "list", str(args.repeat),
                                  name_filter(args.models)[1], *TAG, "full" if args.ads_full_listing else "")
        transfers = bench_transfers(endpoint, config, work, args.size_mib, ads_python, args.turns)
        args.endpoint_note = "in its own process on 127.0.0.1"
        met = report(listing, ads_listing, transfers, args.size_mib, args)
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-fake"]:
        serve_fake(*sys.argv[2:5], int(sys.argv[5]))
    elif sys.argv[1:2] == ["--worker"]:
        print("RESULT " + json.dumps(worker(*sys.argv[2:])))
    else:
        main()
