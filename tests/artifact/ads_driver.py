"""Runs inside the oracle-ads venv (see ads_env.py); never imported by the test process.

    python ads_driver.py make KIND ARTIFACT_DIR     # ADS writes an iris artifact
    python ads_driver.py load ARTIFACT_DIR          # ADS's ModelArtifact(...).reload() + predict
    python ads_driver.py runtime ARTIFACT_DIR       # ADS's RuntimeInfo reads runtime.yaml

KIND: generic (ads.common.model_export_util.prepare_generic_model, model.pkl),
generic_model (GenericModel.prepare), sklearn (SklearnModel.prepare, joblib),
sklearn_onnx (SklearnModel.prepare as_onnx=True). Prints one JSON line:
{"prediction": [...], "X": [[...]]} -- ADS's own prediction on X (iris rows 0..149 step 15).

Offline: ADS is pointed at a throw-away API-key config, and the two calls that would ask
OCI Object Storage about a conda pack are answered locally.
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

warnings.filterwarnings("ignore")
ENV = ("oci://service-conda-packs@ociodscdev/service_pack/cpu/"
       "General_Machine_Learning_for_CPUs_on_Python_3.11/1.0/generalml_p311_cpu_x86_64_v1")


def _offline_ads():
    work = tempfile.mkdtemp(prefix="ads-oci-")
    atexit.register(shutil.rmtree, work, True)  # the driver is a short-lived process: leave no key behind
    key = os.path.join(work, "key.pem")
    subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True, capture_output=True)
    config = os.path.join(work, "config")
    with open(config, "w") as fh:
        fh.write("[DEFAULT]\nuser=ocid1.user.oc1..test\n"
                 "fingerprint=00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff\n"
                 f"tenancy=ocid1.tenancy.oc1..test\nregion=us-ashburn-1\nkey_file={key}\n")
    os.environ["OCI_CONFIG_LOCATION"] = config
    import ads
    from ads.common.object_storage_details import ObjectStorageDetails
    from ads.model.runtime.env_info import EnvInfo

    ads.set_auth("api_key", oci_config_location=config)
    EnvInfo._validate_conda_env_path = staticmethod(lambda env_path, auth=None: None)
    ObjectStorageDetails.fetch_metadata_of_object = lambda self: {
        "python": "3.11", "slug": "generalml_p311_cpu_x86_64_v1"}


def _iris():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, y


def make(kind: str, artifact_dir: str) -> dict:
    _offline_ads()
    from sklearn.ensemble import RandomForestClassifier

    X, y = _iris()
    model = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    rows = X.iloc[::15]
    if kind == "generic":
        import cloudpickle
        from ads.common.model_export_util import prepare_generic_model

        art = prepare_generic_model(artifact_dir, force_overwrite=True, model=model,
                                    X_sample=X[:10], y_sample=y[:10], inference_conda_env=ENV,
                                    fn_artifact_files_included=False)
        with open(os.path.join(artifact_dir, "model.pkl"), "wb") as fh:
            cloudpickle.dump(model, fh)
        _fill_generic_load_model(artifact_dir)
        art.reload()
        prediction = art.predict(rows.values.tolist())
    else:
        from ads.model.framework.sklearn_model import SklearnModel
        from ads.model.generic_model import GenericModel

        cls = GenericModel if kind == "generic_model" else SklearnModel
        wrapped = cls(estimator=model, artifact_dir=artifact_dir)
        wrapped.prepare(inference_conda_env=ENV, training_conda_env=ENV, X_sample=X[:10],
                        y_sample=y[:10], as_onnx=(kind == "sklearn_onnx"), force_overwrite=True,
                        use_case_type="multinomial_classification")
        report = wrapped.verify(rows if kind != "generic_model" else rows.values.tolist())
        prediction = report["prediction"] if isinstance(report, dict) else report
        prediction = {"prediction": prediction}
    return {"prediction": prediction["prediction"], "X": rows.values.tolist(),
            "columns": list(X.columns), "expected": model.predict(rows).tolist()}


def _fill_generic_load_model(artifact_dir: str) -> None:
    """What the ADS guide tells the user to do: fill in load_model() of the template."""
    path = os.path.join(artifact_dir, "score.py")
    with open(path) as fh:
        text = fh.read()
    marker = 'raise NotImplementedError("You need to implement the `load_model` function")'
    if marker in text:
        text = text.replace(marker, "import cloudpickle\n        with open(os.path.join(model_dir, "
                            "model_file_name), 'rb') as fh:\n            return cloudpickle.load(fh)")
        with open(path, "w") as fh:
            fh.write(text)


def load(artifact_dir: str, data_json: str) -> dict:
    _offline_ads()
    from ads.model.artifact import ModelArtifact

    art = ModelArtifact(artifact_dir)
    art.reload()
    data = json.loads(data_json)
    return {"prediction": art.predict(data)["prediction"], "model_type": type(art.model).__name__}


def runtime(artifact_dir: str) -> dict:
    """Read runtime.yaml the way GenericModel.from_model_artifact does (schema-validated)."""
    from ads.model.runtime.runtime_info import RuntimeInfo

    info = RuntimeInfo.from_yaml(uri=os.path.join(artifact_dir, "runtime.yaml"))
    return {"model_artifact_version": info.model_artifact_version,
            "training_python_version": info.model_provenance.training_conda_env.training_python_version,
            "inference_python_version":
                info.model_deployment.inference_conda_env.inference_python_version}


def main() -> None:
    command = sys.argv[1]
    if command == "make":
        out = make(sys.argv[2], sys.argv[3])
    elif command == "runtime":
        out = runtime(sys.argv[2])
    else:
        out = load(sys.argv[2], sys.argv[3])
    sys.stdout.write("\nRESULT " + json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
