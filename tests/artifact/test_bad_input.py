"""Bad input gets a clear exception that says what to do, and leaves nothing half-written."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from model_catalog_ext.artifact import ModelArtifact, prepare, prepare_generic_model
from model_catalog_ext.errors import InvalidArtifact, PrepareError, TargetNotEmpty

from .conftest import leftovers


class HoldsALock:
    """Has predict() but cannot be pickled by anyone: it holds a lock."""

    def __init__(self):
        self.lock = threading.Lock()

    def predict(self, X):
        return [0] * len(X)


def test_model_with_no_serializer_is_refused_and_nothing_is_left(tmp_path):
    target = tmp_path / "new" / "deeper" / "art"
    with pytest.raises(PrepareError) as info:
        prepare(HoldsALock(), target, X_sample=[[1.0, 2.0]])
    message = str(info.value)
    assert "No serializer can save" in message and "HoldsALock" in message
    assert "__getstate__" in message and "prepare_generic_model" in message
    assert info.value.code == "prepare_error"
    assert not (tmp_path / "new").exists()  # the parents it created are gone too
    assert leftovers(tmp_path) == []


def test_model_with_no_serializer_in_an_existing_dir_leaves_it_as_it_was(tmp_path):
    target = tmp_path / "art"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(PrepareError):
        prepare(HoldsALock(), target, X_sample=[[1.0]], force_overwrite=True)
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]
    assert leftovers(tmp_path) == []


def test_sample_with_other_column_names_is_refused(tmp_path, iris, iris_rf):
    X, y = iris
    bad = X[:5].rename(columns={"petal width (cm)": "petal_width"})
    with pytest.raises(PrepareError) as info:
        prepare(iris_rf, tmp_path / "art", X_sample=bad)
    message = str(info.value)
    assert "missing ['petal width (cm)']" in message and "unexpected ['petal_width']" in message
    assert "X_train[:10]" in message
    assert not (tmp_path / "art").exists() and leftovers(tmp_path) == []


def test_sample_with_reordered_columns_is_refused(tmp_path, iris, iris_rf):
    X, y = iris
    with pytest.raises(PrepareError, match="same names in another order"):
        prepare(iris_rf, tmp_path / "art", X_sample=X[X.columns[::-1]][:5])


def test_sample_with_the_wrong_number_of_columns_is_refused(tmp_path, iris):
    from sklearn.linear_model import LogisticRegression

    X, y = iris
    model = LogisticRegression(max_iter=300).fit(X.values, y.values)
    with pytest.raises(PrepareError, match=r"X_sample has 3 column\(s\) but the model was fitted on 4"):
        prepare(model, tmp_path / "art", X_sample=X.values[:5, :3])
    assert not (tmp_path / "art").exists()


def test_sample_the_model_cannot_predict_on_is_refused(tmp_path, iris):
    from sklearn.linear_model import LogisticRegression

    X, y = iris
    model = LogisticRegression(max_iter=300).fit(X.values, y.values)
    sample = np.array([["a", "b", "c", "d"]], dtype=object)
    with pytest.raises(PrepareError, match=r"model.predict\(X_sample\) raised ValueError"):
        prepare(model, tmp_path / "art", X_sample=sample)
    assert not (tmp_path / "art").exists()


def test_an_unfitted_model_is_refused_with_advice_that_helps(tmp_path, iris):
    from sklearn.ensemble import RandomForestClassifier

    X, _ = iris
    with pytest.raises(PrepareError, match=r"not fitted yet.*Fit it first \(e.g. RandomForestClassifier\(...\).fit") as err:
        prepare(RandomForestClassifier(), tmp_path / "art", X_sample=X[:5])
    assert "sample shaped" not in err.value.message
    assert not (tmp_path / "art").exists()


def test_object_without_predict_is_refused(tmp_path):
    with pytest.raises(PrepareError, match="no predict"):
        prepare(object(), tmp_path / "art")


def test_non_empty_target_is_refused_without_force(tmp_path, iris, iris_rf):
    X, y = iris
    target = tmp_path / "art"
    target.mkdir()
    (target / "keep.txt").write_text("not yours")
    with pytest.raises(TargetNotEmpty, match="force_overwrite=True"):
        prepare(iris_rf, target, X_sample=X[:5])
    with pytest.raises(TargetNotEmpty):
        prepare_generic_model(target)
    assert sorted(p.name for p in target.iterdir()) == ["keep.txt"]


def test_force_overwrite_replaces_our_files_and_keeps_the_others(tmp_path, iris, iris_rf):
    X, y = iris
    target = tmp_path / "art"
    first = prepare(iris_rf, target, X_sample=X[:5])
    assert (target / "model.onnx").exists()
    (target / "keep.txt").write_text("not yours")
    (target / "score.py").write_text("# edited\n")
    again = prepare(iris_rf, target, X_sample=X[:5], as_onnx=False, force_overwrite=True)
    # the ONNX model an earlier prepare() wrote is gone; the user's file stayed
    assert not (target / "model.onnx").exists()
    assert (target / "model.joblib").exists()
    assert (target / "keep.txt").read_text() == "not yours"
    assert "joblib" in (target / "score.py").read_text()
    assert again.predict(X[:3])["prediction"] == iris_rf.predict(X[:3]).tolist()
    assert first.artifact_dir == again.artifact_dir
    assert leftovers(tmp_path) == []


def test_a_file_as_target_is_refused(tmp_path, iris_rf):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(PrepareError, match="not a directory"):
        prepare(iris_rf, target)


def test_artifact_without_score_py(tmp_path):
    (tmp_path / "runtime.yaml").write_text("MODEL_ARTIFACT_VERSION: '3.0'\n")
    art = ModelArtifact(tmp_path)
    with pytest.raises(InvalidArtifact) as info:
        art.reload()
    assert "has no score.py" in str(info.value) and "prepare_generic_model" in str(info.value)
    with pytest.raises(InvalidArtifact):
        art.predict([[1, 2, 3, 4]])
    report = art.verify(data=[[1, 2, 3, 4]])
    assert not report.ok
    assert report.failures[0]["name"] == "files"
    assert "Missing score.py" in report.failures[0]["message"]


def test_score_py_with_a_syntax_error(tmp_path, iris, iris_rf):
    X, y = iris
    art = prepare(iris_rf, tmp_path / "art", X_sample=X[:5])
    score = art.artifact_dir / "score.py"
    lines = score.read_text().splitlines() + ["def broken(:"]
    score.write_text("\n".join(lines) + "\n")
    where = f"syntax error at line {len(lines)}"
    with pytest.raises(InvalidArtifact) as info:
        art.reload()
    assert where in str(info.value) and "Fix" in str(info.value)
    report = art.verify()
    assert not report.ok
    failed = {c["name"]: c["message"] for c in report.failures}
    assert where in failed["import"]


def test_score_py_without_predict(tmp_path):
    (tmp_path / "score.py").write_text("def load_model():\n    return 1\n")
    with pytest.raises(InvalidArtifact, match=r"no predict\(\)"):
        ModelArtifact(tmp_path).reload()


def test_a_link_to_an_empty_folder_receives_the_artifact(tmp_path, iris, iris_rf):
    X, y = iris
    real = tmp_path / "disk" / "models"
    real.mkdir(parents=True)
    link = tmp_path / "models-link"
    link.symlink_to(real, target_is_directory=True)
    art = prepare(iris_rf, link, X_sample=X[:10], y_sample=y[:10], as_onnx=False)
    assert link.is_symlink() and (link / "score.py").is_file()  # the link stays, pointing at the files
    assert art.artifact_dir == real and art.verify().ok
    assert sorted(p.name for p in real.parent.iterdir()) == ["models"]  # no staging folder left
