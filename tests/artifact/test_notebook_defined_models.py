"""Models built from classes and functions defined in a notebook or script (``__main__``)
must make artifacts that load elsewhere: a clean process, another notebook."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import json, sys
    import numpy as np
    from sklearn.base import BaseEstimator, RegressorMixin
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer
    from model_catalog_ext.artifact import prepare

    class Doubler(BaseEstimator, RegressorMixin):  # defined here, in __main__
        def fit(self, X, y=None):
            return self

        def predict(self, X):
            return np.asarray(X)[:, 0] * 2

    def add_one(X):
        return np.asarray(X) + 1

    X = np.arange(20, dtype=float).reshape(10, 2)
    y = X[:, 0]
    models = {"class": Doubler().fit(X),
              "function": make_pipeline(FunctionTransformer(add_one), LinearRegression()).fit(X, y),
              "library only": LinearRegression().fit(X, y)}
    out = {}
    for name, model in models.items():
        art = prepare(model, f"{sys.argv[1]}/{name.replace(' ', '-')}", X_sample=X, y_sample=y, as_onnx=False)
        report = art.verify()
        out[name] = {"serializer": art.preparation["serializer"], "ok": report.ok,
                     "prediction": report.prediction, "expected": model.predict(X).tolist(),
                     "failures": report.failures}
    print(json.dumps(out))
''')


def _run_as_script(tmp_path, code: str) -> dict:
    """Run ``code`` as ``python train.py TMP`` (its classes live in __main__); its JSON result."""
    script = tmp_path / "train.py"
    script.write_text(code)
    done = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_main_module_definitions_are_stored_by_value(tmp_path):
    results = _run_as_script(tmp_path, SCRIPT)
    for name in ("class", "function"):
        r = results[name]
        # joblib would store a reference to __main__.Doubler, which no other process has
        assert r["serializer"] == "cloudpickle", r
        assert r["ok"], r["failures"]
        assert r["prediction"]["prediction"] == r["expected"]
    assert results["library only"]["serializer"] == "joblib"  # nothing of __main__: joblib, as before
    assert results["library only"]["ok"]


BY_NAME = textwrap.dedent('''
    import json, sys
    import pandas as pd
    from sklearn.linear_model import LinearRegression
    from model_catalog_ext.artifact import prepare, prepare_generic_model

    class ByName:  # a wrapper of the user's own, in __main__, that picks columns by name
        def __init__(self, model):
            self.model = model

        def predict(self, X):
            return self.model.predict(X[["a", "b"]])

    X = pd.DataFrame({"a": [1.0, 2, 3, 4, 5, 6], "b": [0.5, 1, 0, 2, 1, 3], "c": list("xyzxyz")})
    model = ByName(LinearRegression().fit(X[["a", "b"]], X["a"] * 2 + X["b"]))
    out = {}
    for name, art in {"prepare": prepare(model, sys.argv[1] + "/p", X_sample=X),
                      "generic": prepare_generic_model(sys.argv[1] + "/g", model=model, data_sample=X)}.items():
        report = art.verify()
        out[name] = {"ok": report.ok, "failures": report.failures,
                     "prediction": art.predict(X.to_dict(orient="records"))["prediction"]}
    out["expected"] = model.predict(X).tolist()
    print(json.dumps(out))
''')


def test_a_class_of_the_users_own_gets_the_dataframe_it_was_given(tmp_path):
    results = _run_as_script(tmp_path, BY_NAME)
    for name in ("prepare", "generic"):
        assert results[name]["ok"], results[name]["failures"]
        assert results[name]["prediction"] == results["expected"]
