"""An estimator that was never fitted is refused without a sample too (issue 19, item 18):
before, ``prepare(RandomForestClassifier(), d)`` was accepted, verify() said ok and save()
stored a model that failed with NotFittedError when loaded."""
from __future__ import annotations

import joblib
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from model_catalog_ext.artifact import ModelArtifact, prepare, prepare_generic_model, prepare_model_file
from model_catalog_ext.errors import PrepareError


@pytest.mark.parametrize("make", [RandomForestClassifier, lambda: make_pipeline(StandardScaler(),
                                                                                RandomForestClassifier())])
def test_prepare_refuses_an_unfitted_estimator_without_a_sample(tmp_path, make):
    with pytest.raises(PrepareError, match="not fitted"):
        prepare(make(), tmp_path / "a")
    with pytest.raises(PrepareError, match="not fitted"):
        prepare_generic_model(tmp_path / "g", model=make())
    assert not (tmp_path / "a").exists() and not (tmp_path / "g").exists()


def test_a_model_file_holding_an_unfitted_estimator_is_refused(tmp_path):
    joblib.dump(RandomForestClassifier(), tmp_path / "model.joblib")
    with pytest.raises(PrepareError, match="model.joblib.*not fitted"):
        prepare_model_file(tmp_path / "model.joblib", tmp_path / "art")


def test_verify_without_data_reports_an_unfitted_estimator(tmp_path):
    art = tmp_path / "hand-made"
    art.mkdir()
    joblib.dump(RandomForestClassifier(), art / "model.joblib")
    (art / "score.py").write_text(
        "import os, joblib\n"
        "def load_model():\n"
        "    return joblib.load(os.path.join(os.path.dirname(__file__), 'model.joblib'))\n"
        "def predict(data, model=load_model()):\n"
        "    return {'prediction': model.predict(data).tolist()}\n")
    (art / "runtime.yaml").write_text("MODEL_ARTIFACT_VERSION: '3.0'\n")
    report = ModelArtifact(art).verify()
    assert not report.ok
    failed = {c["name"]: c["message"] for c in report.failures}
    assert "fitted" in failed and "never fitted" in failed["fitted"], failed


def test_a_fitted_estimator_without_a_sample_is_fine(tmp_path):
    model = RandomForestClassifier(n_estimators=3).fit([[0, 1], [1, 0]], [0, 1])
    art = prepare(model, tmp_path / "ok", as_onnx=False)
    assert art.verify().ok


def test_a_stateless_estimator_of_the_users_is_not_taken_for_unfitted(tmp_path):
    import numpy as np
    from sklearn.base import BaseEstimator, RegressorMixin

    class Doubler(BaseEstimator, RegressorMixin):  # fit() keeps nothing: nothing to check
        def fit(self, X, y=None):
            return self

        def predict(self, X):
            return np.asarray(X)[:, 0] * 2

    art = prepare(Doubler().fit(None), tmp_path / "d", as_onnx=False)
    assert art.verify(data=[[1.0, 2.0]]).ok


def test_a_named_sample_for_a_model_fitted_on_arrays_warns_once(tmp_path):
    import warnings

    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True, as_frame=True)
    model = RandomForestClassifier(n_estimators=3, random_state=0).fit(X.values, y.values)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        prepare(model, tmp_path / "named", X_sample=X[:5])
    names = [w for w in caught if "feature names" in str(w.message)]
    assert len(names) == 1, [str(w.message) for w in caught]
    assert names[0].filename == __file__  # shown at the user's own line
