"""What verify() and reload() say when score.py is missing, unfinished or exits the process,
and when there is no data: plain sentences, no doubled words or punctuation."""
from __future__ import annotations

import textwrap

import pytest

from model_catalog_ext.artifact import ModelArtifact, prepare_generic_model
from model_catalog_ext.errors import InvalidArtifact


def _failed(report):
    return {c["name"]: c["message"] for c in report.failures}


def _artifact(path, score: str | None) -> ModelArtifact:
    path.mkdir()
    (path / "runtime.yaml").write_text("MODEL_ARTIFACT_VERSION: '3.0'\n")
    if score is not None:
        (path / "score.py").write_text(textwrap.dedent(score))
    return ModelArtifact(path)


EXITS_ON_IMPORT = '''
    import sys
    print("reading the settings", flush=False)  # buffered: still shown
    sys.exit(3)

    def load_model():
        return 1

    def predict(data, model=None):
        return {"prediction": data}
'''


def test_the_generic_template_message_has_one_period(tmp_path, iris):
    X, _ = iris
    art = prepare_generic_model(tmp_path / "generic", data_sample=X[:5])
    with pytest.raises(InvalidArtifact) as info:
        art.reload()
    assert "model.pkl and return it. Fix score.py" in str(info.value)
    assert ".." not in str(info.value)
    message = _failed(art.verify())["import"]
    assert "model.pkl and return it (this includes" in message and ".." not in message.split("\n")[0]


def test_a_missing_score_py_is_one_file(tmp_path):
    art = _artifact(tmp_path / "art", None)
    message = _failed(art.verify(data=[1]))["files"]
    assert message.startswith(f"Missing score.py in {art.artifact_dir}. Run prepare()/prepare_generic_model() "
                              "to write it, or add it by hand")
    assert "them" not in message


def test_sys_exit_in_score_py_is_reported_with_its_output(tmp_path):
    art = _artifact(tmp_path / "art", EXITS_ON_IMPORT)
    report = art.verify(data=[1])
    message = _failed(report)["import"]
    assert "called sys.exit(3) while it was being imported" in message
    assert "What it printed:\nreading the settings" in message
    assert "process died" not in report.summary()


@pytest.mark.parametrize("where", ["load_model", "predict"])
def test_sys_exit_in_a_function_names_the_function(tmp_path, where):
    art = _artifact(tmp_path / "art", f'''
        import sys

        def load_model():
            {"sys.exit('no model here')" if where == "load_model" else "return 1"}

        def predict(data, model=None):
            sys.exit(0)
    ''')
    message = _failed(art.verify(data=[1]))[where]
    if where == "load_model":
        assert "called sys.exit('no model here') while load_model() ran" in message
    else:
        assert "called sys.exit(0) while predict() ran" in message
    assert message.endswith("It printed nothing.")


def test_os_exit_in_score_py_gives_the_exit_code_once(tmp_path):
    art = _artifact(tmp_path / "art", '''
        import os
        print("about to leave", flush=True)
        os._exit(3)
    ''')
    report = art.verify(data=[1])
    message = _failed(report)["process"]
    assert message.startswith("score.py ended the verification process with exit code 3 before the checks "
                              "finished")
    assert "What it printed:\nabout to leave" in message
    assert "process died" not in message and "(the process" not in message


def test_verify_with_empty_data_says_so(tmp_path, iris, iris_rf):
    from model_catalog_ext.artifact import prepare

    X, _ = iris
    art = prepare(iris_rf, tmp_path / "rf", X_sample=X[:10])
    for empty in ([], X[:0], {}):
        report = art.verify(empty)
        assert not report.ok
        message = _failed(report)["data"]
        assert message.startswith("verify() was given empty data: there is no row to predict on.")
        assert "flat list" not in report.summary()


def test_reload_turns_sys_exit_into_invalid_artifact(tmp_path):
    art = _artifact(tmp_path / "art", EXITS_ON_IMPORT)
    with pytest.raises(InvalidArtifact, match=r"sys\.exit\(3\)"):
        art.reload()


def test_reload_turns_sys_exit_in_load_model_into_invalid_artifact(tmp_path):
    art = _artifact(tmp_path / "art", '''
        import sys

        def load_model():
            sys.exit(4)

        def predict(data, model=None):
            return data
    ''')
    with pytest.raises(InvalidArtifact, match=r"load_model\(\) called sys\.exit\(4\)"):
        art.reload()
