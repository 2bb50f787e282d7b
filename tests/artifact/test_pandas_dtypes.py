"""Models trained on pandas' own dtypes (category, nullable Int64) get a score.py that
rebuilds those dtypes from JSON, so the artifact predicts on its own data sample."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model_catalog_ext.artifact import prepare


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(0)
    n = 200
    X = pd.DataFrame({"city": pd.Categorical(rng.choice(["paris", "rome", "oslo"], n)),
                      "age": pd.array(rng.integers(18, 80, n), dtype="Int64"),
                      "income": rng.normal(50, 10, n)})
    return X, (X["income"] > 50).astype(int)


def _models(X, y):
    from sklearn.ensemble import HistGradientBoostingClassifier

    yield "hist-gradient-boosting", HistGradientBoostingClassifier(max_iter=10, categorical_features="from_dtype")
    lightgbm = pytest.importorskip("lightgbm")
    yield "lightgbm", lightgbm.LGBMClassifier(n_estimators=10, verbose=-1)
    xgboost = pytest.importorskip("xgboost")
    yield "xgboost", xgboost.XGBClassifier(n_estimators=10, enable_categorical=True, tree_method="hist")


def test_category_and_nullable_columns_round_trip(tmp_path, frame):
    X, y = frame
    for name, model in _models(X, y):
        model.fit(X, y)
        art = prepare(model, tmp_path / name, X_sample=X[:30], y_sample=y[:30])
        report = art.verify()  # the sample, through JSON, in a clean process
        assert report.ok, (name, report.summary())
        assert report.prediction["prediction"] == model.predict(X[:30]).tolist(), name
        # the score.py knows the training categories, not just those in the sample rows
        assert "'categories': ['oslo', 'paris', 'rome']" in (art.artifact_dir / "score.py").read_text()
    # a value the model never saw is missing data, not an error
    art.reload()
    assert len(art.predict([{"city": "lima", "age": None, "income": 40.0}])["prediction"]) == 1


def test_missing_values_of_nullable_columns_become_null_in_the_sample(tmp_path):
    import json

    from sklearn.ensemble import HistGradientBoostingClassifier

    X = pd.DataFrame({"age": pd.array([20, None, 35, 41, None, 52, 60, 23] * 5, dtype="Int64"),
                      "income": np.linspace(10, 90, 40)})
    y = (X["income"] > 50).astype(int)
    model = HistGradientBoostingClassifier(max_iter=5).fit(X, y)
    art = prepare(model, tmp_path / "na", X_sample=X[:8], y_sample=y[:8], as_onnx=False)
    sample = json.loads((art.artifact_dir / "data-sample.json").read_text())
    rows = sample["data"] if isinstance(sample, dict) else sample
    assert [row["age"] for row in rows][:3] == [20, None, 35]
    report = art.verify()
    assert report.ok, report.summary()
    assert report.prediction["prediction"] == model.predict(X[:8]).tolist()
