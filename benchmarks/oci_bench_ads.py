"""The ADS half of benchmarks/oci_bench.py: runs inside the oracle-ads venv, never imported.

    python oci_bench_ads.py CONFIG ENDPOINT COMPARTMENT PROJECT list REPEAT NAME TAG_KEY TAG_VALUE [full]
    python oci_bench_ads.py CONFIG ENDPOINT COMPARTMENT PROJECT save FOLDER
    python oci_bench_ads.py CONFIG ENDPOINT COMPARTMENT PROJECT download MODEL_ID TARGET

ADS is pointed at the loopback fake as in tests/oci/ads_oci_driver.py.  Prints one line
``RESULT {json}`` with seconds (medians for listings) and this process's peak RSS.
"""
from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore")


def _setup(config: str, endpoint: str) -> None:
    os.environ["OCI_ODSC_SERVICE_ENDPOINT"] = endpoint  # ModelCatalog reads it when ads is imported
    import ads
    import oci

    ads.set_auth("api_key", oci_config_location=config, profile="DEFAULT",
                 client_kwargs={"service_endpoint": endpoint, "retry_strategy": oci.retry.NoneRetryStrategy()})


def log(what: str) -> None:
    print(f"[ads] {what}", file=sys.stderr, flush=True)


def _median(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def listing(compartment: str, repeat: str, name: str, tag_key: str, tag_value: str, full: str = "") -> dict:
    from ads.catalog.model import ModelCatalog
    from ads.model.service.oci_datascience_model import OCIDataScienceModel

    catalog = ModelCatalog(compartment_id=compartment)
    n = min(int(repeat), 10)  # ADS's calls take seconds each here
    started = time.perf_counter()
    first = _median(lambda: catalog.list_models(limit=50), n)
    log(f"first page x{n + 1}: {time.perf_counter() - started:.1f} s")
    # ADS filters names natively and exactly (displayName); it has no tag filter: every model's
    # summary is listed (OCIDataScienceModel.list_resource pages through them; DataScienceModel.list
    # would also make two calls per model), then filtered here.
    exact = _median(lambda: catalog.list_models(display_name=name, limit=50), n)

    def by_tag():
        models = OCIDataScienceModel.list_resource(compartment)
        return [m for m in models if (m.freeform_tags or {}).get(tag_key) == tag_value][:50]

    out = {"first_page": first, "name_exact": exact}
    if full:  # once: ADS builds a client-backed object per model of the compartment
        started = time.perf_counter()
        by_tag()
        out["tag_all_then_filter"] = time.perf_counter() - started
    return out


def save(compartment: str, project: str, folder: str) -> dict:
    from ads.model.datascience_model import DataScienceModel
    from ads.model.model_metadata import ModelCustomMetadata

    # ADS's own download expects some custom metadata (it fails on a model that has none).
    custom = ModelCustomMetadata()
    custom.add(key="benchmark", value="oci_bench", category="Other", description="", replace=True)
    started = time.perf_counter()
    model = (DataScienceModel().with_compartment_id(compartment).with_project_id(project)
             .with_display_name("ads 1 GiB").with_custom_metadata_list(custom).with_artifact(folder).create())
    return {"seconds": time.perf_counter() - started, "id": model.id}


def download(model_id: str, target: str) -> dict:
    from ads.model.datascience_model import DataScienceModel

    started = time.perf_counter()
    DataScienceModel.from_id(model_id).download_artifact(target, force_overwrite=True)
    return {"seconds": time.perf_counter() - started}


def main() -> None:
    config, endpoint, compartment, project, op, *rest = sys.argv[1:]
    _setup(config, endpoint)
    if op == "list":
        out = listing(compartment, *rest)
    elif op == "save":
        out = save(compartment, project, *rest)
    else:
        out = download(*rest)
    out["maxrss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stdout.write("\nRESULT " + json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
