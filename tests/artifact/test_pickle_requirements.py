"""verify() reads which modules a pickled model file needs, without unpickling it, and
requires requirements.txt to provide them (issue 20): before, a pickled scikit-learn model
whose requirements.txt lacked scikit-learn verified ok and failed where it was deployed."""
from __future__ import annotations

import pickle

import joblib
from sklearn.linear_model import LogisticRegression

from model_catalog_ext.artifact import ModelArtifact

SCORE = ("import os, pickle\n"
         "def load_model():\n"
         "    with open(os.path.join(os.path.dirname(__file__), 'model.pkl'), 'rb') as fh:\n"
         "        return pickle.load(fh)\n"
         "def predict(data, model=load_model()):\n"
         "    return {'prediction': model.predict(data).tolist()}\n")


def _artifact(tmp_path, requirements: str, dump=pickle.dumps):
    root = tmp_path / "art"
    root.mkdir()
    model = LogisticRegression().fit([[0, 1], [1, 0], [1, 1], [0, 0]], [0, 1, 1, 0])
    if dump is joblib.dump:
        joblib.dump(model, root / "model.pkl")
    else:
        (root / "model.pkl").write_bytes(dump(model))
    (root / "score.py").write_text(SCORE.replace("pickle.load(fh)", "joblib.load(fh)").replace(
        "import os, pickle", "import os, joblib") if dump is joblib.dump else SCORE)
    (root / "runtime.yaml").write_text("MODEL_ARTIFACT_VERSION: '3.0'\n")
    (root / "requirements.txt").write_text(requirements)
    return ModelArtifact(root)


def test_a_pickle_needing_an_unlisted_package_fails_the_requirements_check(tmp_path):
    import numpy

    report = _artifact(tmp_path, f"numpy=={numpy.__version__}\n").verify(data=[[0, 1]])
    assert not report.ok
    failed = {c["name"]: c["message"] for c in report.failures}
    assert "requirements" in failed and "model.pkl" in failed["requirements"]
    assert "scikit-learn" in failed["requirements"] and "sklearn" in failed["requirements"]


def test_a_joblib_file_is_read_too_and_listed_packages_pass(tmp_path):
    import numpy
    import sklearn

    art = _artifact(tmp_path, f"numpy=={numpy.__version__}\n", dump=joblib.dump)
    assert "scikit-learn" in {c["name"]: c["message"] for c in art.verify(data=[[0, 1]]).failures}.get(
        "requirements", "")
    (art.artifact_dir / "requirements.txt").write_text(
        f"numpy=={numpy.__version__}\nscikit-learn=={sklearn.__version__}\njoblib=={joblib.__version__}\n")
    assert art.verify(data=[[0, 1]]).ok


def test_a_model_file_saved_with_another_version_of_a_package_is_explained(tmp_path, monkeypatch):
    """As a NumPy 2 pickle under NumPy 1.x (No module named 'numpy._core.numeric'): the
    package is there, the submodule the pickle names is not."""
    import sys

    lib = tmp_path / "lib"
    (lib / "mylib").mkdir(parents=True)
    (lib / "mylib" / "__init__.py").write_text("")
    (lib / "mylib" / "_core.py").write_text("class Model:\n    def predict(self, X):\n        return X\n")
    monkeypatch.syspath_prepend(str(lib))
    from mylib._core import Model

    root = tmp_path / "art"
    root.mkdir()
    (root / "model.pkl").write_bytes(pickle.dumps(Model()))
    (root / "score.py").write_text(SCORE)
    (root / "runtime.yaml").write_text("MODEL_ARTIFACT_VERSION: '3.0'\n")
    (root / "mylib").mkdir()
    (root / "mylib" / "__init__.py").write_text("")  # the package, in a version without _core
    for name in [m for m in sys.modules if m.startswith("mylib")]:
        monkeypatch.delitem(sys.modules, name)
    report = ModelArtifact(root).verify(data=[[1]])
    message = " ".join(c["message"] for c in report.failures)
    assert "No module named 'mylib._core'" in message
    assert "saved with another version of mylib" in message
    assert "cannot load it" in message and "use_venv=True" in message
