"""Why ONNX was not used: one readable line, stored in model-metadata.json and shown in the
warning -- not the converter's dump of every tree node (187,064 characters for a
HistGradientBoosting model)."""
from __future__ import annotations

import json
import re
import warnings

import pytest

from model_catalog_ext.artifact import prepare

LIMIT = 300


def _fallback(model, path, X):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        art = prepare(model, path, X_sample=X[:20], as_onnx=True)
    return art, [str(w.message) for w in caught if "ONNX not used" in str(w.message)]


def _check_short(art, warned):
    assert art.preparation["serializer"] == "joblib"
    reason = art.preparation["onnx_fallback_reason"]
    assert 0 < len(reason) <= LIMIT and "\n" not in reason, reason
    assert re.search(r"\b\w+(Error|Exception|Calculator)\b", reason), reason  # the exception type
    assert len(warned) == 1 and warned[0].endswith(reason) and len(warned[0]) <= LIMIT + 100
    stored = json.loads((art.artifact_dir / "model-metadata.json").read_text())
    assert stored["preparation"]["onnx_fallback_reason"] == reason
    return reason


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_a_huge_converter_error_becomes_one_short_line(tmp_path, iris, kind):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    X, y = iris
    cls = HistGradientBoostingClassifier if kind == "classifier" else HistGradientBoostingRegressor
    model = cls(max_iter=10, random_state=0).fit(X, y)
    art, warned = _fallback(model, tmp_path / "hgb", X)
    if art.preparation["serializer"] == "onnx":
        pytest.skip("this skl2onnx converts HistGradientBoosting: no error to shorten")
    reason = _check_short(art, warned)
    assert reason.startswith("the converter failed: ")
    assert "array(" not in reason[LIMIT // 2:]  # not an attribute dump from there on


def test_the_same_failure_of_both_attempts_is_said_once(tmp_path, iris):
    # No converter exists for KernelRidge: the tensor and the per-column attempt fail alike.
    from sklearn.kernel_ridge import KernelRidge

    X, y = iris
    model = KernelRidge().fit(X, y)
    reason = _check_short(*_fallback(model, tmp_path / "kr", X))
    assert reason.count("KernelRidge") == 1
    assert reason.count("the converter failed") == 1
