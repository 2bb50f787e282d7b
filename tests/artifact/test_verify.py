"""verify(): a separate clean process that reports each way an artifact can be broken."""
from __future__ import annotations

import importlib.metadata
import json
import os

import pytest

from model_catalog_ext.artifact import ModelArtifact, prepare, prepare_generic_model


@pytest.fixture
def art(tmp_path, iris, iris_rf):
    X, y = iris
    return prepare(iris_rf, tmp_path / "art", X_sample=X[:10], y_sample=y[:10])


def _edit(art, old, new):
    score = art.artifact_dir / "score.py"
    text = score.read_text()
    assert old in text
    score.write_text(text.replace(old, new))


def _failed(report):
    return {c["name"]: c["message"] for c in report.failures}


def test_verify_passes_on_the_data_sample_and_on_given_data(art, iris, iris_rf):
    X, y = iris
    report = art.verify()
    assert report.ok, report.summary()
    assert [c["name"] for c in report.checks] == [
        "files", "requirements", "import", "load_model", "predict", "json", "output_schema"]
    assert report.prediction == {"prediction": iris_rf.predict(X[:10]).tolist()}
    report = art.verify(X[50:60])  # a DataFrame goes over as JSON
    assert report.ok and report.prediction["prediction"] == iris_rf.predict(X[50:60]).tolist()
    assert report.to_dict()["ok"] is True
    assert art.artifact_dir.joinpath("__pycache__").exists() is False


def test_without_any_data_predict_is_skipped_not_failed(tmp_path, iris, iris_rf):
    # Prepared without a sample (the side panel's default): the artifact loads, and the
    # report says predict() was not exercised, so a save from the panel goes through.
    art = prepare(iris_rf, tmp_path / "nosample")
    assert not (art.artifact_dir / "data-sample.json").exists()
    report = art.verify()
    assert report.ok, report.summary()
    assert [c["name"] for c in report.skipped] == ["predict"]
    assert "SKIP predict: not run: there is no data to predict on" in report.summary()
    assert report.prediction is None
    X, _ = iris
    report = art.verify(X[:5])  # given data, predict() runs
    assert report.ok and not report.skipped
    assert report.prediction == {"prediction": iris_rf.predict(X[:5]).tolist()}
    art.reload()  # one record, and records, by column name
    assert art.predict(X.iloc[0].to_dict()) == {"prediction": iris_rf.predict(X[:1]).tolist()}
    assert art.predict(X[:3].to_dict(orient="records")) == {"prediction": iris_rf.predict(X[:3]).tolist()}


def test_verify_runs_in_a_clean_interpreter(art, monkeypatch, tmp_path):
    # Something on PYTHONPATH that would shadow onnxruntime must not be seen by the child.
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "onnxruntime.py").write_text("raise ImportError('shadowed')\n")
    monkeypatch.setenv("PYTHONPATH", str(shadow))
    monkeypatch.chdir(shadow)
    report = art.verify()
    assert report.ok, report.summary()
    assert report.python == __import__("platform").python_version()


def test_missing_requirement_is_reported(art):
    req = art.artifact_dir / "requirements.txt"
    req.write_text(req.read_text() + "surely-not-installed-pkg==1.0\n")
    report = art.verify()
    assert not report.ok
    message = _failed(report)["requirements"]
    assert "surely-not-installed-pkg is not installed" in message
    assert "pip install -r requirements.txt" in message


def test_requirement_at_another_version_is_reported(art):
    req = art.artifact_dir / "requirements.txt"
    text = req.read_text().replace(f"numpy=={importlib.metadata.version('numpy')}", "numpy==1.0.0")
    req.write_text(text)
    message = _failed(art.verify())["requirements"]
    assert f"numpy==1.0.0 is required but {importlib.metadata.version('numpy')} is installed" in message


def test_import_error_is_reported(art):
    _edit(art, "import onnxruntime as ort", "import onnxruntime as ort\nimport surely_missing_module")
    report = art.verify()
    message = _failed(report)["import"]
    assert "'surely_missing_module'" in message and "requirements.txt" in message


def test_prediction_that_raises_is_reported(art):
    report = art.verify(data=[[1.0, 2.0]])  # two values where the model takes four
    message = _failed(report)["predict"]
    assert "predict() raised ValueError" in message and "rows of 4 values" in message


def test_output_that_is_not_json_serializable_is_reported(art):
    _edit(art, '    return {"prediction": prediction}', '    return {"prediction": set(prediction)}')
    message = _failed(art.verify())["json"]
    assert "JSON cannot encode" in message and ".tolist()" in message


def test_output_that_does_not_match_the_schema_is_reported(art):
    _edit(art, '    return {"prediction": prediction}',
          '    return {"prediction": [p + 10 for p in prediction][:-1]}')
    message = _failed(art.verify())["output_schema"]
    assert "9 predictions for 10 input rows" in message
    assert "not among [0, 1, 2]" in message


def test_output_of_the_wrong_type_is_reported(art):
    _edit(art, '    return {"prediction": prediction}',
          '    return {"prediction": [str(p) for p in prediction]}')
    assert "not of dtype int64" in _failed(art.verify())["output_schema"]


def test_load_model_that_fails_is_reported(art):
    (art.artifact_dir / "model.onnx").unlink()
    message = _failed(art.verify())["import"]
    assert "FileNotFoundError" in message and "model.onnx is not in the model directory" in message


def test_reload_picks_up_an_edited_score_py(art, iris, iris_rf):
    X, y = iris
    assert set(art.predict(X[:2])) == {"prediction"}
    _edit(art, '    return {"prediction": prediction}',
          '    return {"prediction": prediction, "probabilities": outputs[1].tolist()}')
    assert set(art.predict(X[:2])) == {"prediction"}  # still the imported module
    art.reload()
    out = art.predict(X[:2])
    assert set(out) == {"prediction", "probabilities"}
    assert len(out["probabilities"][0]) == 3
    assert art.model.get_inputs()[0].name == "input"  # what load_model() returned


def test_generic_template_without_a_model_says_to_edit_load_model(tmp_path, iris):
    X, y = iris
    art = prepare_generic_model(tmp_path / "generic", data_sample=X[:5])
    for name in ("score.py", "requirements.txt", "runtime.yaml", ".model-ignore",
                 "input_schema.json", "data-sample.json"):
        assert (art.artifact_dir / name).is_file(), name
    text = (art.artifact_dir / "score.py").read_text()
    assert "def _handle_input(data)" in text and "def _handle_output(yhat)" in text
    assert "def predict(data, model=load_model())" in text
    from model_catalog_ext.errors import InvalidArtifact

    with pytest.raises(InvalidArtifact, match="NotImplementedError.*load_model"):
        art.reload()
    assert "load_model() must load your model" in _failed(art.verify())["import"]


def test_generic_template_with_a_model_works_as_written(tmp_path, iris, iris_rf):
    X, y = iris
    art = prepare_generic_model(tmp_path / "generic", model=iris_rf, data_sample=X[:5])
    assert (art.artifact_dir / "model.pkl").is_file()
    assert art.preparation["serializer"] == "cloudpickle"
    assert art.predict(X[:5])["prediction"] == iris_rf.predict(X[:5]).tolist()
    report = art.verify()
    assert report.ok, report.summary()


def test_legacy_schema_json_is_read(tmp_path, art):
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    doc = {"input_schema": art.input_schema, "output_schema": art.output_schema,
           "problem_type": "classification"}
    (legacy / "schema.json").write_text(json.dumps(doc))
    old = ModelArtifact(legacy)
    assert old.input_schema == art.input_schema
    assert old.output_schema == art.output_schema


@pytest.mark.timeout(900)
def test_verify_in_a_fresh_venv_from_requirements(art, tmp_path, monkeypatch):
    # A cache per test run: the venv holds only numpy + onnxruntime from requirements.txt.
    cache = os.environ.get("MODEL_CATALOG_TEST_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("MODEL_CATALOG_CACHE_DIR", cache)
    report = art.verify(use_venv=True)
    assert report.ok, report.summary()
    assert report.executable.startswith(os.path.join(cache, "verify-venvs"))
    assert "installed" in {c["name"]: c["message"] for c in report.checks}["requirements"]
    # a requirement pip cannot find makes the venv build fail, reported as such
    req = art.artifact_dir / "requirements.txt"
    req.write_text(req.read_text() + "surely-not-a-real-distribution-xyz==9.9\n")
    report = art.verify(use_venv=True)
    assert not report.ok
    assert "pip install -r requirements.txt failed" in _failed(report)["requirements"]


def _helper_artifact(folder, value):
    folder.mkdir()
    (folder / "runtime.yaml").write_text("MODEL_ARTIFACT_VERSION: '3.0'\n")
    (folder / "helpers.py").write_text(f"VALUE = {value}\n")
    (folder / "score.py").write_text(
        "import helpers\n\n"
        "def load_model():\n    return helpers.VALUE\n\n"
        "def predict(data, model=load_model()):\n    return {'prediction': [model] * len(data)}\n")
    return ModelArtifact(folder)


def test_reload_reads_this_artifacts_own_helper_modules_as_edited(tmp_path):
    first = _helper_artifact(tmp_path / "first", 1)
    second = _helper_artifact(tmp_path / "second", 2)
    assert first.reload().model == 1
    assert second.reload().model == 2  # not the first artifact's helpers.py
    (first.artifact_dir / "helpers.py").write_text("VALUE = 100\n")
    assert first.reload().model == 100  # the edit, not the module imported before
    assert first.predict([[0]])["prediction"] == first.verify(data=[[0]]).prediction["prediction"] == [100]
    assert json.loads("[1]") == [1]  # modules from elsewhere are left alone
