"""prepare(): framework detection, ONNX conversion checked against ONNX Runtime, the files."""
from __future__ import annotations

import importlib.metadata
import json
import warnings

import numpy as np
import pytest
import yaml

from model_catalog_ext.artifact import ModelArtifact, prepare, prepare_generic_model
from model_catalog_ext.artifact import requirements as reqs


def _requirements(path):
    lines = [l for l in (path / "requirements.txt").read_text().splitlines()
             if l and not l.startswith("#")]
    return dict(l.split("==") for l in lines)


def test_random_forest_becomes_onnx_and_predicts_like_the_model(tmp_path, iris, iris_rf):
    X, y = iris
    art = prepare(iris_rf, tmp_path / "rf", X_sample=X[:20], y_sample=y[:20])
    d = art.artifact_dir
    for name in ("score.py", "runtime.yaml", "requirements.txt", "model.onnx", "input_schema.json",
                 "output_schema.json", "data-sample.json", ".model-ignore", "model-metadata.json"):
        assert (d / name).is_file(), name
    assert not (d / "model.joblib").exists()
    assert art.preparation["serializer"] == "onnx"
    assert "import onnxruntime" in (d / "score.py").read_text()
    # requirements: exactly what score.py imports, at the installed versions
    assert _requirements(d) == {
        "numpy": importlib.metadata.version("numpy"),
        "onnxruntime": importlib.metadata.version("onnxruntime"),
    }
    # every row of iris, not only the sample, predicts like the original model
    got = art.predict(X)["prediction"]
    assert got == iris_rf.predict(X).tolist()
    assert art.predict(X.values.tolist())["prediction"] == got
    assert art.predict(X.to_dict(orient="records"))["prediction"] == got
    assert art.predict(X.to_json())["prediction"] == got  # pandas' {col: {idx: v}} JSON


def test_runtime_yaml_has_the_ads_layout(tmp_path, iris, iris_rf):
    X, y = iris
    art = prepare(iris_rf, tmp_path / "rf", X_sample=X[:10], inference_conda_env=
                  "oci://bucket@ns/conda_environments/cpu/x/1.0/myenv_v1")
    doc = yaml.safe_load((art.artifact_dir / "runtime.yaml").read_text())
    assert doc["MODEL_ARTIFACT_VERSION"] == "3.0"
    env = doc["MODEL_DEPLOYMENT"]["INFERENCE_CONDA_ENV"]
    assert env["INFERENCE_ENV_SLUG"] == "myenv_v1"
    assert env["INFERENCE_PYTHON_VERSION"] == "%d.%d" % __import__("sys").version_info[:2]
    prov = doc["MODEL_PROVENANCE"]
    assert prov["TRAINING_CODE"]["ARTIFACT_DIRECTORY"] == str(art.artifact_dir)
    assert prov["TRAINING_CONDA_ENV"]["TRAINING_PYTHON_VERSION"] == env["INFERENCE_PYTHON_VERSION"]
    assert "Python 3." in (art.artifact_dir / "runtime.yaml").read_text().splitlines()[0]
    assert art.runtime == doc


def test_schemas_are_ads_1_1(tmp_path, iris, iris_rf):
    X, y = iris
    art = prepare(iris_rf, tmp_path / "rf", X_sample=X[:30], y_sample=y[:30])
    inp, out = art.input_schema, art.output_schema
    assert inp["version"] == "1.1"
    assert [f["name"] for f in inp["schema"]] == list(X.columns)
    first = inp["schema"][0]
    assert set(first) == {"name", "dtype", "feature_type", "order", "required", "description", "domain"}
    assert set(first["domain"]) == {"values", "stats", "constraints"}
    assert first["dtype"] == "float64" and first["feature_type"] == "Continuous"
    assert first["order"] == 0 and first["required"] is True
    assert first["domain"]["stats"]["sample minimum"] == float(X.iloc[:30, 0].min())
    assert first["domain"]["stats"]["count"] == 30
    assert out["schema"][0]["feature_type"] == "Integer"
    assert out["schema"][0]["domain"]["constraints"] == [{"expression": "$x in [0, 1, 2]", "language": "python"}]
    sample = json.loads((art.artifact_dir / "data-sample.json").read_text())
    assert sample[0] == X.iloc[0].to_dict()


def test_defined_metadata_is_filled_and_persisted(tmp_path, iris, iris_rf, run_python):
    X, y = iris
    art = prepare(iris_rf, tmp_path / "rf", X_sample=X[:10])
    md = art.defined_metadata
    assert md["Framework"] == "scikit-learn"
    assert md["FrameworkVersion"] == importlib.metadata.version("scikit-learn")
    assert md["Algorithm"] == "RandomForestClassifier"
    assert md["UseCaseType"] == "multinomial_classification"
    assert md["Hyperparameters"]["n_estimators"] == 20
    assert md["ArtifactTestResults"] is None
    assert art.verify().ok
    # a later process sees the test results
    done = run_python(
        "import json; from model_catalog_ext.artifact import ModelArtifact;"
        f"print(json.dumps(ModelArtifact({str(art.artifact_dir)!r}).defined_metadata))")
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["ArtifactTestResults"]["ok"] is True
    assert {c["name"] for c in seen["ArtifactTestResults"]["checks"]} >= {"import", "predict", "json"}
    # an edit after verify() makes the stored result stale, not a pass the catalog would keep
    score = art.artifact_dir / "score.py"
    score.write_text(score.read_text() + "\nthis is not python\n")
    tests = art.defined_metadata["ArtifactTestResults"]
    assert tests["ok"] is None and tests["stale"] is True and "run verify() again" in tests["message"]
    assert art.verify().ok is False  # and verifying again records the truth
    assert art.defined_metadata["ArtifactTestResults"]["ok"] is False


def test_pipeline_with_scaler_is_converted(tmp_path, iris):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = iris
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y)
    art = prepare(pipe, tmp_path / "pipe", X_sample=X[:15], y_sample=y[:15])
    assert art.preparation["serializer"] == "onnx"
    assert art.defined_metadata["Algorithm"] == "LogisticRegression"
    assert art.predict(X)["prediction"] == pipe.predict(X).tolist()


def test_pipeline_with_string_column_uses_one_onnx_input_per_column(tmp_path):
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    rng = np.random.default_rng(0)
    n = 200
    df = pd.DataFrame({
        "age": rng.integers(18, 80, n).astype("int64"),
        "income": rng.normal(50_000, 15_000, n),
        "city": rng.choice(["paris", "oslo", "lima"], n),
    })
    target = ((df.income > 50_000) ^ (df.city == "oslo")).astype(int)
    pipe = Pipeline([
        ("prep", ColumnTransformer([("num", StandardScaler(), ["age", "income"]),
                                    ("cat", OneHotEncoder(), ["city"])])),
        ("clf", LogisticRegression(max_iter=1000)),
    ]).fit(df, target)
    art = prepare(pipe, tmp_path / "mixed", X_sample=df[:25], y_sample=target[:25])
    assert art.preparation["serializer"] == "onnx", art.preparation
    types = {f["name"]: f["feature_type"] for f in art.input_schema["schema"]}
    assert types == {"age": "Integer", "income": "Continuous", "city": "String"}
    assert art.predict(df.to_dict(orient="records"))["prediction"] == pipe.predict(df).tolist()
    assert art.verify().ok


def test_regressor_predictions_match_within_tolerance(tmp_path):
    from sklearn.datasets import load_diabetes
    from sklearn.ensemble import GradientBoostingRegressor

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    model = GradientBoostingRegressor(n_estimators=30, random_state=0).fit(X, y)
    art = prepare(model, tmp_path / "gbr", X_sample=X[:40])
    assert art.preparation["serializer"] == "onnx"
    assert art.defined_metadata["UseCaseType"] == "regression"
    np.testing.assert_allclose(art.predict(X)["prediction"], model.predict(X), rtol=1e-4)
    assert art.verify().ok


def test_xgboost_and_lightgbm_are_converted_with_onnxmltools(tmp_path, iris):
    import lightgbm
    import xgboost

    X, y = iris
    for name, model in (
        ("xgb", xgboost.XGBClassifier(n_estimators=15, max_depth=3)),
        ("lgbm", lightgbm.LGBMClassifier(n_estimators=15, verbose=-1)),
    ):
        model.fit(X, y)
        art = prepare(model, tmp_path / name, X_sample=X[:20], y_sample=y[:20])
        assert art.preparation["serializer"] == "onnx", (name, art.preparation)
        assert art.defined_metadata["Framework"] == {"xgb": "xgboost", "lgbm": "lightgbm"}[name]
        assert art.predict(X)["prediction"] == model.predict(X).tolist()
        report = art.verify()
        assert report.ok, report.summary()


def test_as_onnx_false_keeps_joblib_and_pins_what_the_pickle_needs(tmp_path, iris, iris_rf):
    X, y = iris
    art = prepare(iris_rf, tmp_path / "rf", X_sample=X[:10], as_onnx=False)
    assert (art.artifact_dir / "model.joblib").is_file()
    assert not (art.artifact_dir / "model.onnx").exists()
    assert art.preparation["serializer"] == "joblib"
    found = _requirements(art.artifact_dir)
    for dist in ("scikit-learn", "joblib", "numpy"):
        assert found[dist] == importlib.metadata.version(dist)
    assert "onnxruntime" not in found
    assert art.predict(X)["prediction"] == iris_rf.predict(X).tolist()
    assert art.verify().ok


def test_unfaithful_onnx_falls_back_to_joblib_with_the_reason(tmp_path):
    from sklearn.linear_model import LinearRegression

    # Values near 2**24 lose their fractions in float32, the type ONNX models take:
    # ONNX Runtime's predictions then differ from the float64 model's.
    X = (16_777_216 + np.arange(40) * 0.25).reshape(-1, 1)
    y = 1000.0 * (X[:, 0] - 16_777_216)
    model = LinearRegression().fit(X, y)
    with pytest.warns(UserWarning, match="ONNX not used"):
        art = prepare(model, tmp_path / "lin", X_sample=X, as_onnx=True)
    assert art.preparation["serializer"] == "joblib"
    assert "differ from the model's" in art.preparation["onnx_fallback_reason"]
    np.testing.assert_allclose(art.predict(X.tolist())["prediction"], model.predict(X))
    assert art.verify().ok


def test_as_onnx_none_falls_back_silently_for_models_without_converter(tmp_path, iris):
    from sklearn.base import BaseEstimator, ClassifierMixin

    class MajorityClass(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.classes_, counts = np.unique(y, return_counts=True)
            self.label_ = self.classes_[counts.argmax()]
            self.n_features_in_ = np.asarray(X).shape[1]
            return self

        def predict(self, X):
            return np.full(len(X), self.label_)

    # A class defined in a notebook lives in __main__: it must travel by value (cloudpickle).
    MajorityClass.__module__ = "__main__"
    X, y = iris
    model = MajorityClass().fit(X.values, y.values)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # as_onnx=None: no warning for the fallback
        art = prepare(model, tmp_path / "custom", X_sample=X.values[:10])
    assert art.preparation["serializer"] == "cloudpickle"
    assert "the converter failed" in art.preparation["onnx_fallback_reason"]
    assert art.defined_metadata["Framework"] == "scikit-learn"
    report = art.verify()
    assert report.ok, report.summary()
    assert report.prediction["prediction"] == [int(model.label_)] * 10


def test_plain_picklable_object_gets_a_generic_score(tmp_path):
    from collections import Counter

    class Lookup:
        """Not a framework model: a dict lookup with a predict method."""

        def __init__(self):
            self.table = Counter({"a": 1, "b": 2})

        def predict(self, X):
            return [self.table[row[0]] for row in X]

    Lookup.__module__ = "__main__"
    art = prepare(Lookup(), tmp_path / "lookup", X_sample=[["a"], ["b"]])
    assert art.defined_metadata["Framework"] == "other"
    assert art.preparation["serializer"] == "cloudpickle"
    assert "cloudpickle" in _requirements(art.artifact_dir)
    assert art.predict([["b"], ["a"], ["z"]]) == {"prediction": [2, 1, 0]}
    assert art.verify().ok


def test_fn_folder_follows_the_fdk_conventions(tmp_path, iris, iris_rf):
    X, y = iris
    art = prepare(iris_rf, tmp_path / "Iris RF", X_sample=X[:5], fn_artifact_files_included=True)
    fn = art.artifact_dir / "fn-folder"
    func_yaml = yaml.safe_load((fn / "func.yaml").read_text())
    assert func_yaml["runtime"] == "python"
    assert func_yaml["entrypoint"] == "/python/bin/fdk /function/func.py handler"
    assert func_yaml["name"] == "iris-rf"
    req = (fn / "requirements.txt").read_text().splitlines()
    assert req[0].startswith("fdk")
    assert any(l.startswith("onnxruntime==") for l in req)


async def test_fn_folder_handler_serves_predictions_through_the_fdk(tmp_path, iris, iris_rf, monkeypatch):
    import importlib.util
    import sys

    from fdk import fixtures

    X, y = iris
    art = prepare(iris_rf, tmp_path / "fn", X_sample=X[:5], fn_artifact_files_included=True)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "score", raising=False)
    spec = importlib.util.spec_from_file_location("func", art.artifact_dir / "fn-folder" / "func.py")
    func = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(func)
    call = await fixtures.setup_fn_call(func.handler, content=X[:4].to_json().encode())
    body, status, headers = await call
    assert status == 200
    assert json.loads(body) == {"prediction": iris_rf.predict(X[:4]).tolist()}
    ads_body = json.dumps({"input": X[:4].values.tolist()}).encode()  # what ADS's Fn functions take
    body, status, _ = await (await fixtures.setup_fn_call(func.handler, content=ads_body))
    assert status == 200 and json.loads(body) == {"prediction": iris_rf.predict(X[:4]).tolist()}
    call = await fixtures.setup_fn_call(func.handler, content=json.dumps([[1, 2]]).encode())
    body, status, _ = await call
    assert status == 400 and "rows of 4 values" in json.loads(body)["message"]


def test_modules_in_pickle_finds_the_libraries_a_model_needs(iris):
    import lightgbm
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = iris
    pipe = make_pipeline(StandardScaler(), lightgbm.LGBMClassifier(n_estimators=3, verbose=-1)).fit(X, y)
    found = reqs.modules_of_object(pipe)
    assert {"sklearn", "lightgbm", "numpy"} <= found
    lines = reqs.requirements_for(found)
    assert f"lightgbm=={importlib.metadata.version('lightgbm')}" in lines
    assert f"scikit-learn=={importlib.metadata.version('scikit-learn')}" in lines
    assert not any(l.startswith(("pickle", "builtins", "copyreg")) for l in lines)


def test_importing_the_package_loads_no_heavy_library(run_python):
    done = run_python(
        "import sys, model_catalog_ext, model_catalog_ext.artifact, model_catalog_ext.provenance;"
        "heavy = [m for m in ('numpy', 'pandas', 'sklearn', 'onnx', 'onnxruntime', 'skl2onnx', 'git', 'yaml')"
        " if m in sys.modules]; print(heavy)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_model_artifact_of_a_missing_directory_says_what_to_do(tmp_path):
    from model_catalog_ext.errors import InvalidArtifact

    with pytest.raises(InvalidArtifact, match="prepare"):
        ModelArtifact(tmp_path / "nope")


def test_generic_model_takes_ads_x_sample_name(tmp_path, iris, iris_rf):
    from model_catalog_ext.errors import PrepareError

    X, _ = iris
    art = prepare_generic_model(tmp_path / "g", model=iris_rf, X_sample=X[:5])  # ADS 2.x's name
    assert (art.artifact_dir / "data-sample.json").is_file()
    assert (art.artifact_dir / "input_schema.json").is_file()
    with pytest.raises(PrepareError, match="same argument"):
        prepare_generic_model(tmp_path / "h", model=iris_rf, X_sample=X[:5], data_sample=X[:5])
    assert not (tmp_path / "h").exists()


def test_pipeline_hyperparameters_include_each_steps(iris):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from model_catalog_ext.artifact import frameworks

    X, y = iris
    pipe = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=500)).fit(X, y)
    params = frameworks.detect(pipe).hyperparameters
    assert params["logisticregression__C"] == 0.5 and params["logisticregression__max_iter"] == 500
    assert params["logisticregression"] == "LogisticRegression"  # the step itself, by name
    json.dumps(params)


def test_output_schema_keeps_a_named_label_column(tmp_path, iris, iris_rf):
    X, y = iris
    art = prepare(iris_rf, tmp_path / "named", X_sample=X[:10], y_sample=y[:10].to_frame("species"), as_onnx=False)
    out = json.loads((art.artifact_dir / "output_schema.json").read_text())
    assert [f["name"] for f in out["schema"]] == ["species"]  # from y_sample, not the 1-D prediction


def test_a_regressor_fitted_on_whole_numbers_verifies(tmp_path, iris):
    """Counts, ages, whole prices: y_sample holds integers, the regressor returns floats."""
    from sklearn.ensemble import RandomForestRegressor

    X, _ = iris
    counts = (X["petal length (cm)"] * 3).round().astype(int).rename("count")
    X = X.drop(columns=["petal length (cm)"])
    model = RandomForestRegressor(n_estimators=10, random_state=0).fit(X, counts)
    for as_onnx in (True, False):
        art = prepare(model, tmp_path / f"onnx-{as_onnx}", X_sample=X[:20], y_sample=counts[:20], as_onnx=as_onnx)
        out = json.loads((art.artifact_dir / "output_schema.json").read_text())
        assert [(f["name"], f["dtype"]) for f in out["schema"]] == [("count", "float64")]
        report = art.verify()
        assert report.ok, report.summary()


def test_a_generic_model_fitted_on_whole_numbers_verifies(tmp_path, iris):
    from sklearn.linear_model import LinearRegression

    X, _ = iris
    counts = (X["petal length (cm)"] * 3).round().astype(int).rename("count")
    model = LinearRegression().fit(X, counts)
    art = prepare_generic_model(tmp_path / "generic", model=model, data_sample=X[:20], y_sample=counts[:20])
    report = art.verify()
    assert report.ok, report.summary()


@pytest.mark.parametrize("names", ["iris", "integers"])
def test_a_column_transformer_pipeline_with_any_column_names_becomes_onnx(tmp_path, iris, names):
    """skl2onnx renames inputs ("sepal length (cm)" -> "sepal_length__cm_", 0 -> "_0"):
    the check and score.py feed the graph's own input names."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = iris
    if names == "integers":
        X = pd.DataFrame(X.to_numpy())
    model = make_pipeline(ColumnTransformer([("scale", StandardScaler(), list(X.columns))]),
                          LogisticRegression(max_iter=500)).fit(X, y)
    art = prepare(model, tmp_path / names, X_sample=X[:20], y_sample=y[:20], as_onnx=True)
    assert art.preparation["serializer"] == "onnx", art.preparation.get("onnx_fallback_reason")
    assert art.predict(X[:30].to_dict(orient="records"))["prediction"] == model.predict(X[:30]).tolist()
    assert art.verify().ok


def test_an_answer_that_is_no_table_is_described_by_y_sample():
    import pandas as pd

    from model_catalog_ext.artifact.prepare import _output_columns

    columns = _output_columns("a scalar from a callable", pd.Series([1, 0], name="label"))
    assert [(c.name, c.dtype) for c in columns] == [("label", "int64")]
    with pytest.raises(ValueError):
        _output_columns("a scalar from a callable", None)


@pytest.mark.parametrize("how", ["prepare", "prepare_generic_model", "prepare_model_file"])
def test_the_training_scripts_git_provenance_goes_into_the_metadata(tmp_path, iris, iris_rf, how, monkeypatch):
    import subprocess

    import joblib

    from model_catalog_ext.artifact import prepare_model_file

    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    repo = tmp_path / "repo"
    repo.mkdir()
    script = repo / "train.py"
    script.write_text("print('train')\n")

    def git(*args):
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                              cwd=repo, check=True, capture_output=True, text=True).stdout.strip()

    git("init", "-q", "-b", "main")
    git("add", ".")
    git("commit", "-q", "-m", "train")
    X, _ = iris
    target = tmp_path / "art"
    if how == "prepare":
        prepare(iris_rf, target, X_sample=X[:5], as_onnx=False, training_script_path=str(script))
    elif how == "prepare_generic_model":
        prepare_generic_model(target, model=iris_rf, data_sample=X[:5], training_script_path=str(script))
    else:
        joblib.dump(iris_rf, tmp_path / "model.joblib")
        prepare_model_file(tmp_path / "model.joblib", target, data_sample=X[:5], training_script_path=str(script))
    provenance = json.loads((target / "model-metadata.json").read_text())["provenance"]
    assert provenance["git_commit"] == git("rev-parse", "HEAD")
    assert provenance["training_script"] == "train.py"
