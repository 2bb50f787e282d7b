"""Both directions, for real, with oracle-ads in its own venv (tests/artifact/ads_env.py).

1. Artifacts ADS writes (prepare_generic_model, GenericModel.prepare, SklearnModel.prepare
   with and without ONNX) load and predict with our ModelArtifact, pass our clean-process
   verify, and save into our catalog byte for byte.
2. Artifacts we write load with ADS's ``ModelArtifact(path).reload()`` and predict.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from model_catalog_ext.artifact import ModelArtifact, prepare

from .ads_env import ensure_ads_python, run_driver

pytestmark = [pytest.mark.ads, pytest.mark.timeout(3600)]

ADS_KINDS = ["generic", "generic_model", "sklearn", "sklearn_onnx"]


@pytest.fixture(scope="session")
def ads_python():
    python, why = ensure_ads_python()
    if python is None:
        pytest.skip(f"oracle-ads cannot be installed here: {why}")
    return python


@pytest.fixture(scope="session")
def ads_artifacts(ads_python, tmp_path_factory):
    """One artifact per ADS entry point, with ADS's own predictions on the same rows."""
    root = tmp_path_factory.mktemp("ads")
    made = {}
    for kind in ADS_KINDS:
        target = root / kind
        made[kind] = (target, run_driver(ads_python, "make", kind, str(target)))
    return made


def _payload(kind, info):
    if kind in ("generic", "generic_model"):
        return info["X"]  # ADS's generic score.py hands the payload to model.predict as is
    return {c: [row[i] for row in info["X"]] for i, c in enumerate(info["columns"])}


def _digests(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


@pytest.mark.parametrize("kind", ADS_KINDS)
def test_ads_artifact_loads_and_predicts_here(kind, ads_artifacts):
    folder, info = ads_artifacts[kind]
    assert info["prediction"] == info["expected"]  # ADS itself agrees with the model
    before = _digests(folder)
    art = ModelArtifact(folder)
    assert art.predict(_payload(kind, info))["prediction"] == info["expected"]
    assert art.runtime["MODEL_ARTIFACT_VERSION"] == "3.0"
    assert art.input_schema["schema"][0]["name"] == info["columns"][0]
    if kind == "sklearn_onnx":
        assert (folder / "model.onnx").is_file() and (folder / "onnx_data_transformer.json").is_file()
        assert type(art.model.session).__name__ == "InferenceSession"  # .model predicts; its session
    report = art.verify(data=_payload(kind, info))
    assert report.ok, report.summary()
    assert report.prediction["prediction"] == info["expected"]
    # verify changes nothing in a folder it did not make (its results stay with the object)
    assert _digests(folder) == before
    assert art.defined_metadata["ArtifactTestResults"]["ok"] is True


def test_ads_artifact_saves_into_the_catalog_unchanged(ads_artifacts, tmp_path):
    from model_catalog_ext.catalog import open_catalog

    folder, info = ads_artifacts["sklearn_onnx"]
    expected = _digests(folder)
    svc = open_catalog(url=f"sqlite:///{tmp_path / 'catalog.db'}", artifact_root=str(tmp_path / "blobs"))
    entry = svc.save(folder, display_name="ads-made iris")
    out = svc.download(entry.id, tmp_path / "copy")
    assert {k: v for k, v in _digests(Path(out)).items() if k in expected} == expected
    assert ModelArtifact(out).predict(_payload("sklearn_onnx", info))["prediction"] == info["expected"]


@pytest.mark.parametrize("as_onnx", [True, False], ids=["onnx", "joblib"])
def test_our_artifact_loads_with_ads(as_onnx, ads_python, tmp_path, iris, iris_rf):
    X, y = iris
    art = prepare(iris_rf, tmp_path / "ours", X_sample=X[:10], y_sample=y[:10], as_onnx=as_onnx)
    assert art.preparation["serializer"] == ("onnx" if as_onnx else "joblib")
    rows = X.iloc[::7]
    for payload in (rows.to_dict(orient="list"), rows.values.tolist()):
        got = run_driver(ads_python, "load", str(art.artifact_dir), json.dumps(payload))
        assert got["prediction"] == iris_rf.predict(rows).tolist()
        assert got["model_type"] == ("InferenceSession" if as_onnx else "RandomForestClassifier")
