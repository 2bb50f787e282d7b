"""save -> load -> predict across kernels, with git provenance from a real repository."""
import re

from tests.magics.conftest import TRAIN, git, last_value, one_error_line, run_ok

SAVED = re.compile(r"Saved (?P<name>.+) v(?P<version>\d+) as (?P<id>\S+)")


def saved_id(result) -> str:
    match = SAVED.search(result.stdout)
    assert match, result.stdout + result.stderr
    return match["id"]


def test_save_in_one_kernel_load_and_predict_in_another(start_kernel, notebook_repo, catalog_service,
                                                        cache_dir, tmp_path):
    repo, notebook = notebook_repo
    a = start_kernel(cwd=notebook.parent, JPY_SESSION_NAME=notebook)
    run_ok(a, TRAIN)
    result = run_ok(a, "%catalog save clf --name iris-rf --tag team:ml --tag version:1 "
                       "--sample X.head(5) --y-sample y.head(5)")
    model_id = saved_id(result)
    assert "verified" in result.stdout and "git main@" in result.stdout

    entry = catalog_service.get(model_id)
    assert entry.display_name == "iris-rf"
    assert entry.freeform_tags == {"team": "ml", "version": "1"}
    assert entry.provenance["git_commit"] == git(repo, "rev-parse", "HEAD")
    assert entry.provenance["git_branch"] == "main"
    assert entry.provenance["training_script"] == "analysis/train.ipynb"
    assert entry.provenance["repository_url"] == "https://git.example.com/team/churn.git"
    assert entry.provenance["git_dirty"] is False
    assert (entry.defined_metadata.get("ArtifactTestResults") or {}).get("ok") is True
    expected = last_value(a, "clf.predict(X.head(10)).tolist()")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    b = start_kernel(cwd=elsewhere)
    run_ok(b, TRAIN.replace("clf = ", "_unused = "))  # same data, no model in this kernel
    loaded = run_ok(b, f"%catalog load {model_id} --as m")
    assert loaded.stdout.startswith("m = ") and model_id in loaded.stdout
    # Saved as ONNX: load_model() gives an ONNX Runtime session, which has no predict(), so
    # the artifact is bound, and its predict() runs score.py.
    assert entry.defined_metadata.get("Framework") == "scikit-learn"
    assert last_value(b, "[type(m).__name__, type(m.model.session).__name__]") == ["ModelArtifact", "InferenceSession"]
    # ... and m.model predicts as ADS's guide expects, through score.py
    assert [int(v) for v in last_value(b, "list(m.model.predict(X.head(10)))")] == expected
    assert "m.predict(data) runs its score.py" in loaded.stdout
    assert [int(v) for v in last_value(b, "list(m.predict(X.head(10))['prediction'])")] == expected
    run_ok(b, f"preds = %catalog predict {model_id} X.head(10)")
    assert [int(v) for v in last_value(b, "list(preds['prediction'])")] == expected

    # cached by digest: one copy, reused by a new kernel without downloading again
    cached = [p for p in cache_dir.iterdir() if not p.name.startswith(".")]
    assert [p.name for p in cached] == [re.sub(r"[^A-Za-z0-9_.-]", "-", entry.artifact_digest)]
    stamp = cached[0].stat().st_mtime_ns
    c = start_kernel(cwd=elsewhere)
    run_ok(c, f"%catalog load {model_id}")  # default name: the model's name as an identifier
    assert last_value(c, "iris_rf is not None")
    assert cached[0].stat().st_mtime_ns == stamp
    run_ok(c, f"%catalog load {model_id}")  # the same cell again: the same model, fine

    # The default name never replaces a variable the notebook already has.
    d = start_kernel(cwd=elsewhere)
    run_ok(d, "iris_rf = 'precious'")
    line = one_error_line(d.run(f"%catalog load {model_id}"))
    assert "already has a variable 'iris_rf'" in line and "--as" in line
    assert last_value(d, "iris_rf") == "precious"
    run_ok(d, f"%catalog load {model_id} --as iris_rf")  # asked for by name: replaced
    assert last_value(d, "type(iris_rf).__name__") == "ModelArtifact"


def test_cell_magic_saves_a_new_version_with_front_matter(start_kernel, notebook_repo, catalog_service):
    _, notebook = notebook_repo
    k = start_kernel(cwd=notebook.parent, JPY_SESSION_NAME=notebook)
    run_ok(k, TRAIN)
    first = saved_id(run_ok(k, "%catalog save clf --name iris-rf --no-onnx --sample X.head()"))
    body = (
        "%%catalog save clf --new-version-of " + first + " --tag stage:prod --sample X.head()\n"
        "---\n"
        "tags: {team: ml, version: 2}\n"
        "project: iris\n"
        "---\n"
        "Random forest on iris.\n\n"
        "Retrained with **five** trees.\n"
    )
    second = saved_id(run_ok(k, body))
    entry = catalog_service.get(second)
    assert entry.display_name == "iris-rf"  # kept from the model it versions
    assert entry.version == 2 and entry.parent_id == first
    assert entry.description == "Random forest on iris.\n\nRetrained with **five** trees."
    assert entry.freeform_tags == {"team": "ml", "version": "2", "stage": "prod"}
    assert entry.project_id == "iris"

    versions = run_ok(k, f"%catalog versions {second}")
    text = versions.data[-1]["text/plain"]
    assert "2 version(s) of iris-rf" in text and first in text and second in text
    assert "<table" in versions.data[-1]["text/html"]


def test_pending_changes_are_refused_listing_the_files(start_kernel, notebook_repo, catalog_service):
    repo, notebook = notebook_repo
    notebook.write_text(notebook.read_text().replace('"cells": []', '"cells": [{"cell_type": "code"}]'))
    k = start_kernel(cwd=notebook.parent, JPY_SESSION_NAME=notebook)
    run_ok(k, TRAIN)
    line = one_error_line(k.run("%catalog save clf --name iris-rf --sample X.head()"))
    assert "analysis/train.ipynb" in line and "--ignore-pending-changes" in line
    assert len(catalog_service.list(state="ALL")) == 0  # nothing prepared, nothing saved

    model_id = saved_id(run_ok(k, "%catalog save clf --name iris-rf --ignore-pending-changes --sample X.head()"))
    prov = catalog_service.get(model_id).provenance
    assert prov["git_dirty"] is True and prov["training_script"] == "analysis/train.ipynb"
    shown = run_ok(k, f"%catalog show {model_id}").data[-1]["text/plain"]
    assert "Uncommitted changes" in shown and "analysis/train.ipynb" in shown


def test_save_outside_git_says_so(start_kernel, tmp_path, catalog_service):
    k = start_kernel(cwd=tmp_path)
    run_ok(k, TRAIN)
    result = run_ok(k, "%catalog save clf --name plain-rf --description 'no repo here' --sample X.head()")
    entry = catalog_service.get(saved_id(result))
    assert entry.provenance["git_commit"] is None
    assert "no git provenance" in result.stdout


def test_save_from_a_console_whose_session_name_is_no_file(start_kernel, tmp_path, catalog_service):
    """A console's JPY_SESSION_NAME names no file; saving still works, without git provenance
    (ModelArtifact.save refuses a training script path that does not exist)."""
    k = start_kernel(cwd=tmp_path, JPY_SESSION_NAME="Console 1-0f3e")
    run_ok(k, TRAIN)
    result = run_ok(k, "%catalog save clf --name from-console --no-onnx --sample X.head()")
    assert "no git provenance: the notebook's path is unknown" in result.stdout
    assert catalog_service.get(saved_id(result)).provenance["git_commit"] is None


def test_onnx_asked_for_but_not_possible_is_one_plain_note(start_kernel, tmp_path, catalog_service):
    """--onnx for a model no converter knows: saved with joblib, and the reason is one line,
    not a UserWarning pointing into the magic's source."""
    k = start_kernel(cwd=tmp_path)
    run_ok(k, TRAIN)
    run_ok(k, "class Doubler:\n    def predict(self, X):\n        return X.iloc[:, 0] * 2\nd = Doubler()")
    result = run_ok(k, "%catalog save d --name doubler --onnx --sample X.head()")
    notes = [line for line in result.stdout.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and "ONNX not used" in notes[0], result.stdout
    assert "UserWarning" not in result.stderr and "commands.py" not in result.stderr, result.stderr
    assert catalog_service.get(saved_id(result)).display_name == "doubler"
