"""Native XGBoost and LightGBM Boosters (xgboost.train / lightgbm.train), not their
scikit-learn wrappers: prepared, verified in a clean process, predicting as in the kernel."""
from __future__ import annotations

import numpy as np
import pytest

from model_catalog_ext.artifact import prepare
from model_catalog_ext.errors import PrepareError

xgboost = pytest.importorskip("xgboost")
lightgbm = pytest.importorskip("lightgbm")


def test_native_boosters_verify_and_predict_as_in_the_kernel(tmp_path, iris):
    X, y = iris
    boosters = {
        "xgboost": (xgboost.train({"objective": "multi:softprob", "num_class": 3},
                                  xgboost.DMatrix(X, label=y), num_boost_round=5),
                    lambda m, data: m.predict(xgboost.DMatrix(data))),
        "lightgbm": (lightgbm.train({"objective": "multiclass", "num_class": 3, "verbose": -1},
                                    lightgbm.Dataset(X, label=y), num_boost_round=5),
                     lambda m, data: m.predict(data)),
    }
    for name, (booster, predict) in boosters.items():
        art = prepare(booster, tmp_path / name, X_sample=X[:10], y_sample=y[:10])
        report = art.verify()  # the output schema follows the probabilities, not the labels
        assert report.ok, (name, report.summary())
        assert np.allclose(report.prediction["prediction"], predict(booster, X[:10])), name
    with pytest.raises(PrepareError, match="not an xgboost DMatrix"):
        prepare(boosters["xgboost"][0], tmp_path / "dmatrix", X_sample=xgboost.DMatrix(X[:10]))
    assert not (tmp_path / "dmatrix").exists()


def test_binary_boosters_verify_with_a_label_sample(tmp_path, iris):
    """A binary Booster returns one probability per row: the same shape as y_sample, but
    floats where the labels are integers. The output schema follows what it returns."""
    X, y = iris
    y2 = (y == 2).astype(int)
    boosters = {
        "xgboost": xgboost.train({"objective": "binary:logistic"}, xgboost.DMatrix(X, label=y2),
                                 num_boost_round=5),
        "lightgbm": lightgbm.train({"objective": "binary", "verbose": -1}, lightgbm.Dataset(X, label=y2),
                                   num_boost_round=5),
    }
    for name, booster in boosters.items():
        report = prepare(booster, tmp_path / name, X_sample=X[:10], y_sample=y2[:10]).verify()
        assert report.ok, (name, report.summary())
