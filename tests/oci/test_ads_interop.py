"""Interoperability with oracle-ads itself, both ways, through the loopback fake of OCI.

ADS 2.16 runs in its own venv (tests/artifact/ads_env.py), pointed at the fake with
``ads.set_auth(..., client_kwargs={"service_endpoint": ...})`` and the same key as ours:

1. a model we save into the fake is listed by ``ModelCatalog.list_models``, read by
   ``DataScienceModel.from_id``, downloaded and loaded by ``GenericModel.from_model_catalog``
   and scored by ADS, in ADS's process;
2. a model ADS saves (``SklearnModel.prepare`` + ``.save()``) is listed, downloaded (checked
   against the content-md5 OCI keeps), verified in a clean process and scored by us.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from oci_fixtures import COMPARTMENT, PROJECT

from model_catalog_ext.artifact import ModelArtifact, prepare
from model_catalog_ext.catalog import open_catalog
from tests.artifact.ads_env import ensure_ads_python, run_driver

pytestmark = [pytest.mark.ads, pytest.mark.timeout(1800)]
DRIVER = Path(__file__).with_name("ads_oci_driver.py")


@pytest.fixture(scope="module")
def ads_python():
    python, why = ensure_ads_python()
    if python is None:
        pytest.skip(f"oracle-ads cannot be installed here: {why}")
    return python


@pytest.fixture(scope="module")
def iris():
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier

    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, y, RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)


def ads(python, oci_fake, config, *args) -> dict:
    return run_driver(python, str(config), oci_fake.endpoint, COMPARTMENT, PROJECT, *map(str, args), driver=DRIVER)


def test_a_model_we_save_is_listed_loaded_and_scored_by_ads(ads_python, oci_fake, oci_config_file,
                                                            oci_catalog_url, iris, tmp_path):
    X, y, forest = iris
    art = prepare(forest, tmp_path / "ours", X_sample=X[:10], y_sample=y[:10], as_onnx=False)
    with open_catalog(oci_catalog_url) as catalog:
        entry = catalog.save(art.artifact_dir, display_name="saved by us", freeform_tags={"team": "ml"},
                             defined_metadata=art.defined_metadata,
                             provenance={"git_commit": "abc123", "repository_url": "https://git/x"})
    rows = X.iloc[::7]
    got = ads(ads_python, oci_fake, oci_config_file, "load", entry.id, tmp_path / "by-ads",
              json.dumps(rows.to_dict(orient="list")))
    assert got["listed"] == 1 and got["display_name"] == "saved by us"
    assert got["freeform_tags"]["team"] == "ml" and got["provenance_commit"] == "abc123"
    assert got["framework"] == "scikit-learn"
    assert {"score.py", "runtime.yaml"} <= set(got["files"])
    assert got["prediction"] == forest.predict(rows).tolist()


def test_a_model_ads_saves_is_listed_downloaded_verified_and_scored_by_us(ads_python, oci_fake, oci_config_file,
                                                                          oci_catalog_url, tmp_path):
    made = ads(ads_python, oci_fake, oci_config_file, "save", tmp_path / "ads-artifact")
    with open_catalog(oci_catalog_url) as catalog:
        listed = catalog.list(name="saved by ads").items
        assert [e.id for e in listed] == [made["id"]]
        entry = catalog.get(made["id"])
        assert entry.freeform_tags == {"by": "ads"} and entry.description == "an iris forest ADS saved"
        out = catalog.download(made["id"], tmp_path / "ours")
    assert {"score.py", "runtime.yaml", "model.joblib"} <= {p.name for p in out.iterdir()}
    art = ModelArtifact(out)
    payload = {c: [row[i] for row in made["X"]] for i, c in enumerate(made["columns"])}
    report = art.verify(data=payload)
    assert report.ok, report.summary()
    assert art.predict(payload)["prediction"] == made["expected"]
