"""prepare + verify against oracle-ads, on the same model, in the same run (DESIGN.md §4).

    python benchmarks/prepare_bench.py [--runs 3] [--json out.json] [--no-ads]

Measures, each as the median of --runs fresh processes:
  cold   a new process imports, fits a 100-tree iris RandomForest, prepares with ONNX and
         verifies (ours: clean-process verify; ADS: SklearnModel.prepare(as_onnx=True) +
         verify()); wall time from process start and peak RSS (ours also reports the verify
         child's peak, a separate process)
  warm   prepare + verify again in the same process
  verify our clean-process verify alone
  import the time `import model_catalog_ext` adds to a Python start
  floor  the user code alone (imports, fit): the ceiling of any cold speedup over ADS
Targets: cold >= 2x faster than ADS, peak RSS <= 60 % of ADS's, warm no slower than ADS,
verify <= 1.5 s, import <= 150 ms.
"""
from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

OURS = r"""
import resource, sys, time, json, tempfile, os
t0 = time.perf_counter()
import model_catalog_ext
from model_catalog_ext.artifact import prepare
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
X, y = load_iris(return_X_y=True, as_frame=True)
model = RandomForestClassifier(n_estimators=100, random_state=0).fit(X, y)
t_fit = time.perf_counter()
work = tempfile.mkdtemp()
art = prepare(model, os.path.join(work, "a1"), X_sample=X[:20], y_sample=y[:20], as_onnx=True)
t_prep = time.perf_counter()
report = art.verify()
t_cold = time.perf_counter()
assert report.ok, report.summary()
assert art.preparation["serializer"] == "onnx"
cold_wall = time.time() - float(os.environ["BENCH_SPAWNED_AT"])
peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
peak_child = report.timings["peak_rss_mb"] * 1024
warm, verify_only = [], []
for i in range(3):
    w0 = time.perf_counter()
    art = prepare(model, os.path.join(work, f"w{i}"), X_sample=X[:20], y_sample=y[:20], as_onnx=True)
    v0 = time.perf_counter()
    assert art.verify().ok
    w1 = time.perf_counter()
    warm.append(w1 - w0); verify_only.append(w1 - v0)
print("RESULT " + json.dumps({
    "cold_wall_s": cold_wall, "in_process_cold_s": t_cold - t0, "fit_s": t_fit - t0, "prepare_s": t_prep - t_fit,
    "verify_s": t_cold - t_prep, "peak_rss_mb": peak_self / 1024, "verify_child_peak_rss_mb": peak_child / 1024,
    "warm_s": sorted(warm)[1], "verify_only_s": sorted(verify_only)[1]}))
"""

# The user's part of OURS alone (imports and fit, no model_catalog_ext): no preparation can
# make a cold run faster than this, so ADS's cold time over it bounds the possible speedup.
FLOOR = r"""
import time, json, os
t0 = time.perf_counter()
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
X, y = load_iris(return_X_y=True, as_frame=True)
model = RandomForestClassifier(n_estimators=100, random_state=0).fit(X, y)
print("RESULT " + json.dumps({"cold_wall_s": time.time() - float(os.environ["BENCH_SPAWNED_AT"]),
                              "in_process_cold_s": time.perf_counter() - t0}))
"""

ADS = r"""
import resource, sys, time, json, tempfile, os, warnings, logging
t0 = time.perf_counter()
warnings.filterwarnings("ignore")
import ads
from ads.common.object_storage_details import ObjectStorageDetails
from ads.model.runtime.env_info import EnvInfo
from ads.model.framework.sklearn_model import SklearnModel
ads.set_auth("api_key", oci_config_location=os.environ["OCI_CONFIG_LOCATION"])
# offline: answer the two conda-pack lookups that would go to OCI Object Storage
EnvInfo._validate_conda_env_path = staticmethod(lambda env_path, auth=None: None)
ObjectStorageDetails.fetch_metadata_of_object = lambda self: {"python": "3.11", "slug": "generalml_p311_cpu_x86_64_v1"}
ENV = "oci://service-conda-packs@ociodscdev/service_pack/cpu/General_Machine_Learning_for_CPUs_on_Python_3.11/1.0/generalml_p311_cpu_x86_64_v1"
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
X, y = load_iris(return_X_y=True, as_frame=True)
model = RandomForestClassifier(n_estimators=100, random_state=0).fit(X, y)
t_fit = time.perf_counter()
work = tempfile.mkdtemp()
def run(name):
    m = SklearnModel(estimator=model, artifact_dir=os.path.join(work, name))
    m.prepare(inference_conda_env=ENV, training_conda_env=ENV, X_sample=X[:20], y_sample=y[:20],
              as_onnx=True, force_overwrite=True, use_case_type="multinomial_classification")
    out = m.verify(X[:20])
    assert out["prediction"] == model.predict(X[:20]).tolist(), out
run("a1")
t_cold = time.perf_counter()
cold_wall = time.time() - float(os.environ["BENCH_SPAWNED_AT"])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
warm = []
for i in range(3):
    w0 = time.perf_counter(); run(f"w{i}"); warm.append(time.perf_counter() - w0)
print("RESULT " + json.dumps({"cold_wall_s": cold_wall, "in_process_cold_s": t_cold - t0, "fit_s": t_fit - t0,
    "prepare_verify_s": t_cold - t_fit, "peak_rss_mb": peak / 1024, "warm_s": sorted(warm)[1]}))
"""


def _run(python: str, code: str, env: dict) -> tuple[float, dict]:
    started = time.perf_counter()
    env = dict(env, BENCH_SPAWNED_AT=repr(time.time()))
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env, timeout=900)
    wall = time.perf_counter() - started
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return wall, json.loads(line[7:])
    raise RuntimeError(f"benchmark process failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")


def _median_runs(jobs: dict, runs: int) -> dict:
    """Run each job ``{name: (python, code, env)}`` ``runs`` times, taking turns so that a
    slower spell of this machine hits every job alike; the median of each figure per job."""
    results = {name: [] for name in jobs}
    for _ in range(runs):
        for name, (python, code, env) in jobs.items():
            wall, data = _run(python, code, env)
            data["process_wall_s"] = wall  # includes the warm loop
            results[name].append(data)
    return {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in results.items()}


def _import_cost(runs: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))

    def timed(code):
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, env=env)
            samples.append(time.perf_counter() - t0)
        return statistics.median(samples)

    base = timed("pass")
    pkg = timed("import model_catalog_ext")
    art = timed("import model_catalog_ext.artifact")
    return {"python_start_s": base, "import_model_catalog_ext_s": pkg - base,
            "import_model_catalog_ext_artifact_s": art - base}


def _ads_env(work: Path) -> tuple[str | None, dict]:
    sys.path.insert(0, str(ROOT))
    from tests.artifact.ads_env import ensure_ads_python

    python, why = ensure_ads_python()
    if python is None:
        print(f"ADS baseline skipped: {why}", file=sys.stderr)
        return None, {}
    key = work / "key.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    config = work / "config"
    config.write_text("[DEFAULT]\nuser=ocid1.user.oc1..bench\n"
                      "fingerprint=00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff\n"
                      f"tenancy=ocid1.tenancy.oc1..bench\nregion=us-ashburn-1\nkey_file={key}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["OCI_CONFIG_LOCATION"] = str(config)
    return python, env


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--no-ads", action="store_true", help="skip the oracle-ads baseline")
    args = parser.parse_args(argv)

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    # Bytecode as an installed wheel has it (pip compiles at install; so was oracle-ads'),
    # which a source checkout lacks where PYTHONDONTWRITEBYTECODE is set: without it every
    # run would compile the package first.
    compileall.compile_dir(str(ROOT / "model_catalog_ext"), quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        # The runs' artifact folders (their tempfile.mkdtemp()) go where they are removed.
        env["TMPDIR"] = tmp
        ads_python, ads_env = (None, {}) if args.no_ads else _ads_env(Path(tmp))
        ads_env["TMPDIR"] = tmp
        if ads_python:
            _run(ads_python, ADS, ads_env)  # warm the page cache for both sides alike
        _run(sys.executable, OURS, env)
        jobs = {"ours": (sys.executable, OURS, env), "floor": (sys.executable, FLOOR, env)}
        if ads_python:
            jobs["ads"] = (ads_python, ADS, ads_env)
        medians = _median_runs(jobs, args.runs)
        ours, floor, ads_fig = medians["ours"], medians["floor"], medians.get("ads")
    figures = {"ours": ours, "floor_user_code_only": floor, "ads": ads_fig,
               "import": _import_cost(max(5, args.runs))}
    if ads_fig:
        figures["ratios"] = {
            "cold_speedup": ads_fig["cold_wall_s"] / ours["cold_wall_s"],
            # what cold_speedup would be if preparing and verifying took no time at all
            "cold_speedup_ceiling": ads_fig["cold_wall_s"] / floor["cold_wall_s"],
            # the time each tool adds to the same user code, ADS's over ours (ours measured
            # in-process: its import, prepare and verify; ADS's as its cold run over the floor)
            "own_time_speedup": (ads_fig["cold_wall_s"] - floor["cold_wall_s"])
                                / (figures["import"]["import_model_catalog_ext_artifact_s"]
                                   + ours["prepare_s"] + ours["verify_s"]),
            "peak_rss_fraction": ours["peak_rss_mb"] / ads_fig["peak_rss_mb"],
            "peak_rss_fraction_incl_verify_child":
                (ours["peak_rss_mb"] + ours["verify_child_peak_rss_mb"]) / ads_fig["peak_rss_mb"],
            "warm_ratio": ours["warm_s"] / ads_fig["warm_s"],
        }
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    ok = ours["verify_only_s"] <= 1.5 and figures["import"]["import_model_catalog_ext_s"] <= 0.15
    if ads_fig:
        r = figures["ratios"]
        ok = ok and r["cold_speedup"] >= 2 and r["peak_rss_fraction"] <= 0.6 and r["warm_ratio"] <= 1.0
    print("targets met" if ok else "targets NOT met", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
