"""Runs inside the oracle-ads venv (tests/artifact/ads_env.py) against the loopback fake of OCI
Data Science; never imported by the test process.

    python ads_oci_driver.py CONFIG ENDPOINT COMPARTMENT PROJECT load MODEL_ID TARGET_DIR DATA_JSON
        ADS lists the compartment (ads.catalog.model.ModelCatalog), reads the model
        (DataScienceModel.from_id), downloads and loads it (GenericModel.from_model_catalog)
        and scores DATA_JSON with it, in this process.
    python ads_oci_driver.py CONFIG ENDPOINT COMPARTMENT PROJECT save ARTIFACT_DIR
        ADS trains an iris forest, prepares it (SklearnModel.prepare) and saves it into the
        catalog (.save()); prints its model id, the rows and ADS's own prediction.

ADS is pointed at the fake the documented ways: ``ads.set_auth("api_key", oci_config_location=...,
client_kwargs={"service_endpoint": ...})`` with a profile whose key the fake knows, and
``$OCI_ODSC_SERVICE_ENDPOINT`` (which ``ModelCatalog`` reads).  Prints one
line ``RESULT {json}``.
"""
from __future__ import annotations

import json
import os
import sys
import time
import warnings

warnings.filterwarnings("ignore")
ENV = ("oci://service-conda-packs@ociodscdev/service_pack/cpu/"
       "General_Machine_Learning_for_CPUs_on_Python_3.11/1.0/generalml_p311_cpu_x86_64_v1")


def _ads(config: str, endpoint: str):
    # ads.catalog.model.ModelCatalog takes its endpoint from here (read when ads is imported).
    os.environ["OCI_ODSC_SERVICE_ENDPOINT"] = endpoint
    import ads
    import oci
    from ads.common.object_storage_details import ObjectStorageDetails
    from ads.model.runtime.env_info import EnvInfo

    # Failures must show at once, not after ADS's default ten minutes of retries.
    ads.set_auth("api_key", oci_config_location=config, profile="DEFAULT",
                 client_kwargs={"service_endpoint": endpoint, "retry_strategy": oci.retry.NoneRetryStrategy()})
    # The conda pack named in runtime.yaml lives in Object Storage, which the fake does not serve.
    EnvInfo._validate_conda_env_path = staticmethod(lambda env_path, auth=None: None)
    ObjectStorageDetails.fetch_metadata_of_object = lambda self: {
        "python": "3.11", "slug": "generalml_p311_cpu_x86_64_v1"}
    return ads


def load(compartment: str, project: str, model_id: str, target: str, data_json: str) -> dict:
    from ads.catalog.model import ModelCatalog
    from ads.model.datascience_model import DataScienceModel
    from ads.model.generic_model import GenericModel

    listed = ModelCatalog(compartment_id=compartment).list_models(project_id=project)
    found = [m for m in listed if m.id == model_id]
    model = DataScienceModel.from_id(model_id)
    started = time.monotonic()
    loaded = GenericModel.from_model_catalog(model_id, artifact_dir=target, force_overwrite=True,
                                             ignore_conda_error=True, compartment_id=compartment)
    seconds = time.monotonic() - started
    data = json.loads(data_json)
    prediction = loaded.verify(data)["prediction"]
    return {"listed": len(found), "listed_names": [m.display_name for m in found],
            "display_name": model.display_name, "freeform_tags": model.freeform_tags,
            "framework": model.defined_metadata_list.get("Framework").value,
            "provenance_commit": (model.provenance_metadata.git_commit if model.provenance_metadata else None),
            "files": sorted(os.listdir(target)), "prediction": prediction, "load_seconds": seconds}


def save(compartment: str, project: str, artifact_dir: str) -> dict:
    from ads.model.framework.sklearn_model import SklearnModel
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier

    X, y = load_iris(return_X_y=True, as_frame=True)
    estimator = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    rows = X.iloc[::15]
    model = SklearnModel(estimator=estimator, artifact_dir=artifact_dir)
    model.prepare(inference_conda_env=ENV, training_conda_env=ENV, X_sample=X[:10], y_sample=y[:10],
                  force_overwrite=True, use_case_type="multinomial_classification")
    model_id = model.save(display_name="saved by ads", description="an iris forest ADS saved",
                          compartment_id=compartment, project_id=project, freeform_tags={"by": "ads"},
                          ignore_introspection=True)
    return {"id": model_id, "X": rows.values.tolist(), "columns": list(X.columns),
            "expected": estimator.predict(rows).tolist()}


def main() -> None:
    config, endpoint, compartment, project, command, *rest = sys.argv[1:]
    _ads(config, endpoint)
    out = load(compartment, project, *rest) if command == "load" else save(compartment, project, *rest)
    sys.stdout.write("\nRESULT " + json.dumps(out, default=str) + "\n")


if __name__ == "__main__":
    main()
