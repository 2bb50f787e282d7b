"""prepare_model_file(): a model file already on disk (.joblib, .pkl, .onnx) becomes an artifact."""
from __future__ import annotations

import importlib.metadata
import json

import numpy as np
import pytest

from model_catalog_ext.artifact import prepare_model_file
from model_catalog_ext.errors import PrepareError, TargetNotEmpty

from .conftest import leftovers

FORMATS = ["joblib", "pkl", "onnx"]


@pytest.fixture(scope="module")
def model_files(tmp_path_factory, iris, iris_rf):
    """The iris random forest saved the three ways people save models."""
    import cloudpickle
    import joblib
    from skl2onnx import to_onnx

    X, _ = iris
    folder = tmp_path_factory.mktemp("models")
    files = {"joblib": folder / "iris-rf.joblib", "pkl": folder / "iris-rf.pkl",
             "onnx": folder / "iris-rf.onnx"}
    joblib.dump(iris_rf, files["joblib"])
    with open(files["pkl"], "wb") as fh:
        cloudpickle.dump(iris_rf, fh)
    # one float tensor input [rows, 4], like most exported tabular models
    onx = to_onnx(iris_rf, X.values[:1].astype(np.float32), target_opset={"": 15, "ai.onnx.ml": 3})
    files["onnx"].write_bytes(onx.SerializeToString())
    return files


def _requirements(path):
    lines = [l for l in (path / "requirements.txt").read_text().splitlines()
             if l and not l.startswith("#")]
    return dict(l.split("==") for l in lines)


@pytest.mark.parametrize("fmt", FORMATS)
def test_with_a_sample_the_artifact_is_complete_verifies_and_predicts_like_the_model(
        tmp_path, iris, iris_rf, model_files, fmt):
    X, y = iris
    source = model_files[fmt]
    art = prepare_model_file(source, tmp_path / "art", data_sample=X[:20])
    d = art.artifact_dir
    for name in ("score.py", "runtime.yaml", "requirements.txt", ".model-ignore",
                 "input_schema.json", "output_schema.json", "data-sample.json",
                 "model-metadata.json", source.name):
        assert (d / name).is_file(), name
    assert (d / source.name).read_bytes() == source.read_bytes()  # copied as it was
    assert source.is_file()  # and left where it was
    assert art.preparation["model_file"] == source.name
    assert sorted(art.preparation["files"]) == sorted(p.name for p in d.iterdir())

    # the clean process loads it with nothing but what requirements.txt names
    report = art.verify()
    assert report.ok, report.summary()
    report = art.verify(X[:10])
    assert report.ok, report.summary()

    expected = iris_rf.predict(X).tolist()
    assert art.predict(X)["prediction"] == expected
    assert art.predict(X.to_dict(orient="records"))["prediction"] == expected
    assert art.predict(X.values.tolist())["prediction"] == expected

    assert [f["name"] for f in art.input_schema["schema"]] == list(X.columns)
    out = art.output_schema["schema"]
    assert [f["name"] for f in out] == ["prediction"]
    assert out[0]["domain"]["constraints"] == [{"expression": "$x in [0, 1, 2]",
                                                "language": "python"}]
    sample = json.loads((d / "data-sample.json").read_text())
    assert sample[0] == X.iloc[0].to_dict()


@pytest.mark.parametrize("fmt", FORMATS)
def test_without_a_sample_score_py_still_works(tmp_path, iris, iris_rf, model_files, fmt):
    X, _ = iris
    art = prepare_model_file(model_files[fmt], tmp_path / "art")
    d = art.artifact_dir
    for name in ("input_schema.json", "output_schema.json", "data-sample.json"):
        assert not (d / name).exists(), name
    assert art.input_schema is None and art.output_schema is None
    report = art.verify(X.values[:10])
    assert report.ok, report.summary()
    assert art.predict(X.values.tolist())["prediction"] == iris_rf.predict(X).tolist()


@pytest.mark.parametrize("fmt,serializer,extra", [
    ("joblib", "joblib", {"joblib", "scikit-learn", "numpy"}),
    ("pkl", "cloudpickle", {"cloudpickle", "scikit-learn", "numpy"}),
])
def test_pickles_get_framework_metadata_and_real_requirements(tmp_path, iris, model_files,
                                                              fmt, serializer, extra):
    X, _ = iris
    art = prepare_model_file(model_files[fmt], tmp_path / "art", data_sample=X[:5])
    assert art.preparation["serializer"] == serializer
    meta = art.defined_metadata
    assert meta["Framework"] == "scikit-learn"
    assert meta["FrameworkVersion"] == importlib.metadata.version("scikit-learn")
    assert meta["Algorithm"] == "RandomForestClassifier"
    assert meta["Hyperparameters"]["n_estimators"] == 20
    assert meta["UseCaseType"] == "multinomial_classification"
    reqs = _requirements(art.artifact_dir)
    assert extra <= set(reqs)
    for name in extra:
        assert reqs[name] == importlib.metadata.version(name)
    score = (art.artifact_dir / "score.py").read_text()
    assert f"import {serializer}" in score and '"iris-rf.' in score


def test_onnx_gets_onnx_metadata_and_only_onnxruntime_requirements(tmp_path, iris, model_files):
    X, _ = iris
    art = prepare_model_file(model_files["onnx"], tmp_path / "art", data_sample=X[:5])
    meta = art.defined_metadata
    assert meta["Framework"] == "onnx"
    assert meta["Algorithm"] == "TreeEnsembleClassifier"
    assert meta["UseCaseType"] == "multinomial_classification"
    assert art.preparation["onnx_input_mode"] == "tensor"
    assert art.preparation["onnx_inputs"][0]["shape"] == [None, 4]
    assert _requirements(art.artifact_dir) == {
        "numpy": importlib.metadata.version("numpy"),
        "onnxruntime": importlib.metadata.version("onnxruntime"),
    }


def test_onnx_with_one_input_per_column(tmp_path, iris):
    """skl2onnx given a DataFrame makes one [rows, 1] input per column: score.py feeds each."""
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = iris
    Xs = X.astype(np.float32).rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
    model_s = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(Xs.values, y)
    onx = to_onnx(model_s, Xs[:1], target_opset={"": 15, "ai.onnx.ml": 3})
    path = tmp_path / "per-column.onnx"
    path.write_bytes(onx.SerializeToString())

    art = prepare_model_file(path, tmp_path / "art", data_sample=Xs[:20])
    assert art.preparation["onnx_input_mode"] == "columns"
    report = art.verify()
    assert report.ok, report.summary()
    assert art.predict(Xs)["prediction"] == model_s.predict(Xs.values).tolist()
    # without a sample the input names come from the model
    art2 = prepare_model_file(path, tmp_path / "art2")
    assert art2.predict(Xs.to_dict(orient="records"))["prediction"] == model_s.predict(Xs.values).tolist()


def test_onnx_with_a_non_tabular_input_feeds_arrays(tmp_path):
    """A model whose input is not a [rows, features] table gets a score.py that feeds arrays."""
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("images", TensorProto.FLOAT, [None, 2, 3])
    y = helper.make_tensor_value_info("total", TensorProto.FLOAT, [None, 1])
    graph = helper.make_graph([helper.make_node("ReduceSum", ["images", "axes"], ["total"],
                                                keepdims=0),],
                              "sum", [x], [y],
                              initializer=[helper.make_tensor("axes", TensorProto.INT64, [2], [1, 2])])
    graph.output[0].CopyFrom(helper.make_tensor_value_info("total", TensorProto.FLOAT, [None]))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])
    model.ir_version = 8
    path = tmp_path / "sum.onnx"
    path.write_bytes(model.SerializeToString())
    data = np.arange(12, dtype=np.float32).reshape(2, 2, 3)

    art = prepare_model_file(path, tmp_path / "art", data_sample=data)
    assert art.preparation["onnx_input_mode"] == "inputs"
    assert art.predict(data.tolist())["prediction"] == [15.0, 51.0]
    assert art.predict(data[0].tolist())["prediction"] == [15.0]  # one example, no batch dim
    report = art.verify()
    assert report.ok, report.summary()
    assert prepare_model_file(path, tmp_path / "art2").predict({"images": data})["prediction"] == [15.0, 51.0]


def test_a_joblib_dump_named_pkl_is_loaded_with_joblib(tmp_path, iris, iris_rf):
    import joblib

    X, _ = iris
    path = tmp_path / "rf.pkl"
    joblib.dump(iris_rf, path)
    art = prepare_model_file(path, tmp_path / "art", data_sample=X[:5])
    assert art.preparation["serializer"] == "joblib"
    assert art.verify().ok
    assert art.predict(X)["prediction"] == iris_rf.predict(X).tolist()


def test_an_awkward_file_name_is_quoted_in_score_py(tmp_path, iris, iris_rf):
    import joblib

    X, _ = iris
    path = tmp_path / 'my "best" model\\v2.joblib'
    joblib.dump(iris_rf, path)
    art = prepare_model_file(path, tmp_path / "art", data_sample=X[:5])
    assert (art.artifact_dir / path.name).is_file()
    assert art.verify().ok
    assert art.predict(X[:3])["prediction"] == iris_rf.predict(X[:3]).tolist()


def test_y_sample_sets_the_output_schema(tmp_path, iris, model_files):
    X, y = iris
    art = prepare_model_file(model_files["joblib"], tmp_path / "art", data_sample=X[:10],
                             y_sample=y[:10])
    assert art.output_schema["schema"][0]["domain"]["stats"]["count"] == 10


def test_force_overwrite_keeps_files_it_did_not_write(tmp_path, iris, model_files):
    X, _ = iris
    target = tmp_path / "art"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(TargetNotEmpty) as info:
        prepare_model_file(model_files["joblib"], target, data_sample=X[:5])
    assert "force_overwrite=True" in str(info.value)
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]
    assert leftovers(tmp_path) == []

    art = prepare_model_file(model_files["joblib"], target, data_sample=X[:5], force_overwrite=True)
    assert (target / "notes.txt").read_text() == "mine"
    assert (target / "iris-rf.joblib").is_file()
    # another format replaces the files the first preparation wrote, and only those
    art = prepare_model_file(model_files["onnx"], target, force_overwrite=True)
    names = sorted(p.name for p in target.iterdir())
    assert "notes.txt" in names and "iris-rf.onnx" in names
    assert "iris-rf.joblib" not in names and "input_schema.json" not in names
    assert art.verify(X.values[:3]).ok


@pytest.mark.parametrize("name,content,expected", [
    ("model.h5", b"HDF5 things", "supported: .onnx, .joblib, .pkl, .pickle"),
    ("model.joblib", b"this is not a joblib file", "cannot be loaded as a joblib file"),
    ("model.pkl", b"\x80\x04 truncated", "cannot be loaded as a pickle file"),
    ("model.onnx", b"\x08\x07 garbage that is no ONNX model", "cannot be loaded by ONNX Runtime"),
])
def test_bad_files_are_refused_clearly_and_leave_nothing(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    target = tmp_path / "new" / "deeper" / "art"
    with pytest.raises(PrepareError) as info:
        prepare_model_file(path, target)
    assert expected in str(info.value)
    assert info.value.code == "prepare_error"
    assert not (tmp_path / "new").exists()
    assert leftovers(tmp_path) == []
    assert path.read_bytes() == content


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(PrepareError, match="does not exist"):
        prepare_model_file(tmp_path / "nope.joblib", tmp_path / "art")
    assert not (tmp_path / "art").exists()


def test_a_pickle_without_a_model_is_refused(tmp_path):
    import joblib

    path = tmp_path / "stuff.joblib"
    joblib.dump({"weights": [1, 2, 3]}, path)
    with pytest.raises(PrepareError, match="no predict"):
        prepare_model_file(path, tmp_path / "art")
    assert not (tmp_path / "art").exists() and leftovers(tmp_path) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_sample_of_the_wrong_width_is_refused_and_leaves_nothing(tmp_path, iris, model_files, fmt):
    X, _ = iris
    target = tmp_path / "art"
    with pytest.raises(PrepareError) as info:
        prepare_model_file(model_files[fmt], target, data_sample=X.iloc[:5, :3])
    message = str(info.value)
    assert "data_sample" in message and "X_sample" not in message
    assert "petal width (cm)" in message or ("3 column(s)" in message and "4 feature(s)" in message)
    assert not target.exists() and leftovers(tmp_path) == []


def test_fn_folder_is_written_on_request(tmp_path, iris, model_files):
    X, _ = iris
    art = prepare_model_file(model_files["onnx"], tmp_path / "art", data_sample=X[:5],
                             fn_artifact_files_included=True)
    assert (art.artifact_dir / "fn-folder" / "func.py").is_file()
