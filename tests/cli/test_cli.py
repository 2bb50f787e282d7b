"""``jupyter model-catalog``: every command against a real SQLite catalog."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile

import pytest

from model_catalog_ext.cli.main import main


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("MODEL_CATALOG_URL", f"sqlite:///{tmp_path}/catalog.db")
    monkeypatch.setenv("MODEL_CATALOG_ARTIFACT_ROOT", str(tmp_path / "blobs"))
    return tmp_path


@pytest.fixture
def art(tmp_path):
    root = tmp_path / "art"
    root.mkdir()
    (root / "score.py").write_text("def load_model():\n    return 1\n\ndef predict(data, model=load_model()):\n"
                                   "    return data\n")
    (root / "model.pkl").write_bytes(b"weights")
    return root


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def save(capsys, art, *extra):
    code, out, err = run(capsys, "save", str(art), "--json", *extra)
    assert code == 0, err
    return json.loads(out)


def test_save_list_show(env, art, capsys):
    first = save(capsys, art, "--name", "churn model", "--tag", "version:3", "--tag", "team:ml",
                 "--description", "predicts churn")
    save(capsys, art, "--name", "fraud", "--tag", "version:4")
    assert first["freeform_tags"] == {"team": "ml", "version": "3"}
    code, out, _ = run(capsys, "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "VER", "STATE", "CREATED", "BY", "TAGS"]
    assert "fraud" in lines[1] and "churn model" in lines[2] and "team:ml version:3" in lines[2]
    code, out, _ = run(capsys, "list", "tag:version=3", "--json")
    data = json.loads(out)
    assert [i["display_name"] for i in data["items"]] == ["churn model"] and data["next_page_token"] is None
    code, out, _ = run(capsys, "--json", "list", "name:churn model")  # --json before the command too
    assert [i["id"] for i in json.loads(out)["items"]] == [first["id"]]
    code, out, _ = run(capsys, "list", "--limit", "1", "--json")
    token = json.loads(out)["next_page_token"]
    code, out, _ = run(capsys, "list", "--limit", "1", "--page-token", token, "--json")
    assert [i["id"] for i in json.loads(out)["items"]] == [first["id"]]
    code, out, _ = run(capsys, "list", "nothing-matches-this")
    assert out.strip() == "No models match."
    code, out, _ = run(capsys, "show", first["id"])
    assert "display_name:     churn model" in out and "score.py" in out and "model.pkl" in out
    code, out, _ = run(capsys, "show", first["id"], "--json")
    assert json.loads(out) == first


def test_versions_edit_state_delete(env, art, capsys):
    v1 = save(capsys, art, "--name", "m", "--tag", "version:1")
    v2 = save(capsys, art, "--name", "m", "--version-of", v1["id"])
    assert (v2["version"], v2["parent_id"]) == (2, v1["id"])
    code, out, _ = run(capsys, "versions", v1["id"], "--json")
    assert [i["version"] for i in json.loads(out)["items"]] == [1, 2]
    code, out, _ = run(capsys, "edit", v1["id"], "--name", "renamed", "--tag", "team:ml", "--remove-tag", "version",
                       "--json")
    edited = json.loads(out)
    assert edited["display_name"] == "renamed" and edited["freeform_tags"] == {"team": "ml"}
    code, _, err = run(capsys, "edit", v1["id"], "--description", "x", "--etag", v1["etag"])
    assert code == 1 and "stale" in err
    code, out, _ = run(capsys, "deactivate", v1["id"])
    assert "INACTIVE" in out
    code, out, _ = run(capsys, "list", "--json")
    assert [i["id"] for i in json.loads(out)["items"]] == [v2["id"]]
    code, out, _ = run(capsys, "list", "state:all", "--json")
    assert len(json.loads(out)["items"]) == 2
    run(capsys, "activate", v1["id"])
    code, out, _ = run(capsys, "delete", v1["id"], "--yes")
    assert code == 0 and "Deleted" in out
    code, _, err = run(capsys, "show", v1["id"])
    assert code == 1 and err.startswith("error: No model with id")


def test_download_folder_and_zip(env, art, capsys, tmp_path):
    entry = save(capsys, art, "--name", "m")
    target = tmp_path / "out"
    code, out, _ = run(capsys, "download", entry["id"], str(target))
    assert code == 0 and (target / "model.pkl").read_bytes() == b"weights"
    code, _, err = run(capsys, "download", entry["id"], str(target))
    assert code == 1 and "not empty" in err
    assert run(capsys, "download", entry["id"], str(target), "--force")[0] == 0
    zpath = tmp_path / "m.zip"
    assert run(capsys, "download", entry["id"], str(zpath), "--zip")[0] == 0
    with zipfile.ZipFile(zpath) as zf:
        assert sorted(zf.namelist()) == ["model.pkl", "score.py"]
    code, _, err = run(capsys, "download", entry["id"], str(zpath), "--zip")
    assert code == 1 and "--force" in err


def test_verify_reports_damage(env, art, capsys):
    entry = save(capsys, art, "--name", "m")
    code, out, _ = run(capsys, "verify")
    assert code == 0 and out.startswith("OK")
    sha = next(m["sha256"] for m in entry["manifest"] if m["path"] == "model.pkl")
    blob = env / "blobs" / "sha256" / sha[:2] / sha
    os.chmod(blob, 0o644)
    blob.write_bytes(b"tampered")
    code, out, err = run(capsys, "verify")
    assert code == 1 and "model.pkl" in out and "damaged" in err
    code, out, _ = run(capsys, "verify", entry["id"], "--json")
    report = json.loads(out)
    assert report["ok"] is False and report["damaged"][0]["path"] == "model.pkl"
    code, _, err = run(capsys, "download", entry["id"], str(env / "dl"), "--json")
    assert code == 1 and json.loads(err)["error"] == "damaged_artifact"


def test_bad_input_messages(env, art, capsys, tmp_path):
    code, _, err = run(capsys, "save", str(tmp_path / "missing"), "--name", "m")
    assert code == 1 and "does not exist" in err
    # A bad value is bad usage (2), as an unknown option is; an artifact that is not there is 1.
    code, _, err = run(capsys, "save", str(art), "--name", "m", "--tag", "novalue")
    assert code == 2 and "key:value" in err
    code, _, err = run(capsys, "save", str(art), "--name", "  ")
    assert code == 2 and "display name" in err
    code, _, err = run(capsys, "list", "colour:red", "--json")
    assert code == 2 and json.loads(err)["error"] == "invalid_input"
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2


def test_progress_bar_on_large_saves(env, tmp_path, capsys):
    big = tmp_path / "big"
    big.mkdir()
    (big / "score.py").write_text("def load_model(): pass\n")
    (big / "weights.bin").write_bytes(os.urandom(12 * 1024 * 1024))
    code, out, err = run(capsys, "save", str(big), "--name", "big", "--progress")
    assert code == 0 and "saving big [" in err and "100.0%" in err
    model_id = out.split(" as ")[1].split()[0]
    code, _, err = run(capsys, "download", model_id, str(tmp_path / "bigdl"), "--progress")
    assert code == 0 and "100.0%" in err
    code, _, err = run(capsys, "save", str(big), "--name", "quiet")  # stderr is not a terminal here
    assert err == ""


def test_module_entry_point_and_stdout_zip(env, art):
    cli = [sys.executable, "-m", "model_catalog_ext.cli"]
    done = subprocess.run(cli + ["save", str(art), "--name", "m", "--json"], capture_output=True, text=True,
                          env=os.environ.copy())
    assert done.returncode == 0, done.stderr
    model_id = json.loads(done.stdout)["id"]
    data = subprocess.run(cli + ["download", model_id, "-", "--zip"], capture_output=True, env=os.environ.copy())
    assert data.returncode == 0
    assert zipfile.ZipFile(io.BytesIO(data.stdout)).read("model.pkl") == b"weights"
    bad = subprocess.run(cli + ["show", "mdl-missing"], capture_output=True, text=True, env=os.environ.copy())
    assert bad.returncode == 1 and "No model" in bad.stderr


def test_json_into_a_closed_pipe_is_not_an_error(tmp_path):
    """`jupyter model-catalog list --json | head -1` must not end in a BrokenPipeError traceback."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "MODEL_CATALOG_URL": f"sqlite:///{tmp_path / 'c.db'}",
           "MODEL_CATALOG_ARTIFACT_ROOT": str(tmp_path / "blobs")}
    art = tmp_path / "art"
    art.mkdir()
    (art / "score.py").write_text("def predict(data, model=None):\n    return data\n")
    for i in range(30):
        subprocess.run([sys.executable, "-m", "model_catalog_ext.cli", "save", str(art), "--name", f"m{i}",
                        "--description", "x" * 2000], env=env, check=True, capture_output=True)
    done = subprocess.run(f"'{sys.executable}' -m model_catalog_ext.cli list --json | head -c 100 > /dev/null",
                          shell=True, env=env, capture_output=True, text=True)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr


def test_gc_removes_what_interrupted_saves_left_and_nothing_in_use(env, art, capsys):
    from tests.leftovers import make_leftovers

    entry = save(capsys, art, "--name", "m")
    dead, stray, running = make_leftovers(env / "blobs")

    code, out, _ = run(capsys, "gc")
    assert code == 0
    assert out.strip() == "Removed 1 unused blob(s) and 1 temporary file(s), freeing 3.9 KiB."
    assert not dead.exists() and not stray.exists() and running.exists()
    code, out, _ = run(capsys, "verify", entry["id"])
    assert code == 0 and out.startswith("OK")

    code, out, _ = run(capsys, "gc", "--grace", "0", "--json")
    assert json.loads(out) == {"removed_blobs": [], "removed_tmp_files": 1, "freed_bytes": 10, "removed_uploads": 0,
                               "aborted_multipart_uploads": 0}
    code, _, err = run(capsys, "gc", "--grace", "-5")
    assert code == 2 and "--grace" in err


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def test_a_catalog_that_cannot_be_opened_is_one_error_line(env, capsys, tmp_path, monkeypatch):
    url = "postgresql+psycopg://u:secret@127.0.0.1:1/db"
    code, out, err = run(capsys, "--url", url, "list")
    line = one_error_line(err)
    assert code == 1 and out == ""
    assert "Cannot open the catalog database postgresql+psycopg://u:***@127.0.0.1:1/db:" in line
    assert "secret" not in line and "database server is running" in line

    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    code, _, err = run(capsys, "--artifact-root", str(a_file), "list")
    line = one_error_line(err)
    assert code == 1 and f"Cannot use the artifact root '{a_file}':" in line
    assert "folder you can create and write to" in line

    # the whole process: no traceback either (the catalog database is this test's own)
    done = subprocess.run([sys.executable, "-m", "model_catalog_ext.cli", "--artifact-root", "/proc/nope", "list"],
                          capture_output=True, text=True, env=os.environ.copy())
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "Cannot use the artifact root '/proc/nope'" in one_error_line(done.stderr)

    monkeypatch.setenv("MODEL_CATALOG_URL", f"sqlite:///{a_file}/catalog.db")
    code, _, err = run(capsys, "list", "--json")
    data = json.loads(err)
    assert code == 1 and "(from $MODEL_CATALOG_URL)" in data["message"] and "folder" in data["message"]


def test_edit_custom_metadata_and_provenance(env, art, capsys):
    entry = save(capsys, art, "--name", "m")
    code, out, err = run(capsys, "edit", entry["id"], "--metadata", "auc=0.91", "--metadata", "split=test",
                         "--provenance", "git_branch=main", "--provenance", "git_dirty=true", "--json")
    assert code == 0, err
    edited = json.loads(out)
    assert [(i["key"], i["value"]) for i in edited["custom_metadata"]] == [("auc", "0.91"), ("split", "test")]
    assert edited["provenance"]["git_branch"] == "main" and edited["provenance"]["git_dirty"] is True
    code, out, _ = run(capsys, "edit", entry["id"], "--metadata", "auc=0.93", "--remove-metadata", "split",
                       "--provenance", "git_branch=", "--json")
    edited = json.loads(out)
    assert [(i["key"], i["value"]) for i in edited["custom_metadata"]] == [("auc", "0.93")]
    assert edited["provenance"]["git_branch"] is None and edited["provenance"]["git_dirty"] is True
    code, out, _ = run(capsys, "show", entry["id"])
    assert "custom:           auc = 0.93" in out
    for bad, needle in ((["--metadata", "auc"], "--metadata takes KEY=VALUE"),
                        (["--remove-metadata", "nope"], "--remove-metadata: the model has no custom metadata"),
                        (["--provenance", "colour=red"], "--provenance: a model's provenance has no field"),
                        (["--provenance", "git_dirty=maybe"], "git_dirty takes true or false")):
        code, _, err = run(capsys, "edit", entry["id"], *bad)
        assert code == 2 and needle in one_error_line(err), err
    code, _, err = run(capsys, "edit", entry["id"])
    assert code == 2 and "--metadata" in err and "--provenance" in err


def test_page_token_hint_says_to_repeat_the_search_and_sort(env, art, capsys):
    for name in ("a", "b", "c"):
        save(capsys, art, "--name", name)
    code, out, _ = run(capsys, "list", "--sort", "name", "--limit", "1")
    hint = out.strip().splitlines()[-1]
    assert "same search words, --state, --sort and --order" in hint
    token = hint.split("--page-token ")[1]
    code, out, _ = run(capsys, "list", "--sort", "name", "--limit", "1", "--page-token", token, "--json")
    assert code == 0 and [i["display_name"] for i in json.loads(out)["items"]] == ["b"]


def test_cli_messages_name_the_options(env, art, capsys, tmp_path):
    code, _, err = run(capsys, "save", str(art), "--name", "")
    line = one_error_line(err)
    assert code == 2 and "--name" in line and "display_name" not in line
    missing = tmp_path / "train.py"
    code, _, err = run(capsys, "save", str(art), "--name", "m", "--training-script", str(missing))
    line = one_error_line(err)
    assert code == 2 and str(missing) in line and "--training-script" in line and "training_script_path" not in line
    code, out, _ = run(capsys, "list", "--json")
    assert json.loads(out)["items"] == []  # neither was saved
    entry = save(capsys, art, "--name", "m")
    code, _, err = run(capsys, "edit", entry["id"], "--name", " ")
    assert code == 2 and "--name" in one_error_line(err)


def test_progress_bar_on_zip_downloads(env, tmp_path, capsys):
    big = tmp_path / "big"
    big.mkdir()
    (big / "score.py").write_text("def load_model(): pass\n")
    (big / "weights.bin").write_bytes(os.urandom(12 * 1024 * 1024))
    entry = save(capsys, big, "--name", "big")
    code, _, err = run(capsys, "download", entry["id"], str(tmp_path / "big.zip"), "--zip", "--progress")
    assert code == 0 and f"downloading {entry['id']} [" in err and "100.0%" in err
    assert zipfile.ZipFile(tmp_path / "big.zip").testzip() is None
    code, _, err = run(capsys, "download", entry["id"], str(tmp_path / "quiet.zip"), "--zip")
    assert code == 0 and "%" not in err  # stderr is not a terminal here


def test_delete_without_a_terminal_to_ask_on_deletes_nothing(env, art, capsys, monkeypatch):
    """A script or a pipe cannot answer the question: without --yes nothing is deleted."""
    entry = save(capsys, art, "--name", "keep-me")
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))  # piped in, not a terminal
    code, out, err = run(capsys, "delete", entry["id"])
    assert code == 2 and out == ""
    assert "Not deleted" in err and "--yes" in err and entry["id"] in err
    code, out, _ = run(capsys, "show", entry["id"], "--json")
    assert code == 0 and json.loads(out)["id"] == entry["id"]
    code, out, _ = run(capsys, "delete", entry["id"], "--yes")
    assert code == 0 and "Deleted" in out


def test_save_keeps_what_prepare_and_verify_recorded(env, tmp_path, capsys):
    """A prepared artifact saved from the shell has the same defined metadata (framework,
    algorithm, test results) as one saved from Python."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    from model_catalog_ext.artifact import prepare

    X, y = load_iris(return_X_y=True, as_frame=True)
    artifact = prepare(LogisticRegression(max_iter=300).fit(X, y), tmp_path / "prepared", X_sample=X.head(5),
                       as_onnx=False)
    assert artifact.verify().ok
    entry = save(capsys, tmp_path / "prepared", "--name", "iris-lr")
    defined = entry["defined_metadata"]
    assert defined["Framework"] == "scikit-learn" and defined["Algorithm"] == "LogisticRegression"
    assert defined["ArtifactTestResults"]["ok"] is True
    code, out, _ = run(capsys, "list", "framework:scikit-learn", "--json")
    assert [i["id"] for i in json.loads(out)["items"]] == [entry["id"]]


def test_a_mistyped_url_is_not_a_new_empty_catalog(env, art, capsys, tmp_path):
    """list/show on a --url whose SQLite file does not exist say so, and create nothing;
    save creates the catalog there, as a first use of the configured catalog does."""
    typo = tmp_path / "nonexistent" / "dir" / "x.db"
    for argv in (["list"], ["show", "mdl-1"], ["verify"]):
        code, out, err = run(capsys, "--url", f"sqlite:///{typo}", *argv)
        assert code == 2 and out == "" and f"There is no catalog at {typo}" in one_error_line(err)
    assert not (tmp_path / "nonexistent").exists()
    new = tmp_path / "new" / "catalog.db"
    code, _, err = run(capsys, "--url", f"sqlite:///{new}", "save", str(art), "--name", "m")
    assert code == 0, err
    code, out, _ = run(capsys, "--url", f"sqlite:///{new}", "list", "--json")
    assert code == 0 and [i["display_name"] for i in json.loads(out)["items"]] == ["m"]


def test_options_match_the_magics(env, art, capsys, tmp_path):
    """--tag and --sort created as in %catalog list; a zip downloaded into a folder gets the
    model's name; removing a tag the model does not have is an error, not an update."""
    a = save(capsys, art, "--name", "alpha", "--tag", "version:3")
    b = save(capsys, art, "--name", "Beta model", "--tag", "version:4", "--tag", "team:ml")
    code, out, _ = run(capsys, "list", "--tag", "version:3", "--json")
    assert [i["id"] for i in json.loads(out)["items"]] == [a["id"]]
    code, out, _ = run(capsys, "list", "--tag", "version", "--tag", "team:m*", "--json")
    assert [i["id"] for i in json.loads(out)["items"]] == [b["id"]]
    code, out, _ = run(capsys, "list", "--sort", "created", "--order", "asc", "--json")
    assert code == 0 and [i["id"] for i in json.loads(out)["items"]] == [a["id"], b["id"]]
    folder = tmp_path / "zips"
    folder.mkdir()
    code, _, err = run(capsys, "download", b["id"], str(folder), "--zip")
    assert code == 0, err
    assert [p.name for p in folder.iterdir()] == ["Beta-model-v1.zip"]
    code, _, err = run(capsys, "edit", a["id"], "--remove-tag", "nosuch")
    assert code == 2 and "has no tag 'nosuch'" in one_error_line(err) and "version" in err
    code, out, _ = run(capsys, "show", a["id"], "--json")
    assert json.loads(out)["etag"] == a["etag"]  # not touched


def test_cli_errors_say_the_flags_not_python_arguments(env, art, capsys, tmp_path):
    entry = save(capsys, art, "--name", "m", "--project", "p-1", "--compartment", "c-1")
    assert (entry["project_id"], entry["compartment_id"]) == ("p-1", "c-1")
    target = tmp_path / "full"
    target.mkdir()
    (target / "x").write_text("x")
    code, out, err = run(capsys, "download", entry["id"], str(target))
    assert code != 0 and "--force" in err and "force_overwrite" not in err

    import subprocess

    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / "train.py").write_text("print(1)\n")  # never committed: a pending change
    code, out, err = run(capsys, "save", str(art), "--name", "x", "--training-script", str(repo / "train.py"))
    assert code != 0 and "--ignore-pending-changes" in err and "ignore_pending_changes" not in err
