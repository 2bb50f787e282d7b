"""capture_provenance / find_notebook_path against real git repositories made in tmp."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from model_catalog_ext.errors import PendingChanges, PrepareError
from model_catalog_ext.provenance import EMPTY_PROVENANCE, capture_provenance, find_notebook_path, strip_credentials


@pytest.fixture(autouse=True)
def git_identity(monkeypatch, tmp_path):
    for key, value in {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                       "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
                       "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
                       "GIT_CONFIG_NOSYSTEM": "1"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)


def git(cwd, *args) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def make_repo(path, remote=None):
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    (path / "notebooks").mkdir()
    (path / "notebooks" / "train.ipynb").write_text("{}")
    (path / "README.md").write_text("hi")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "first")
    if remote:
        git(path, "remote", "add", "origin", remote)
    return path


def test_not_a_repository_still_records_the_training_script(tmp_path):
    """Outside git there is no commit, but the notebook the model was trained in is known
    (issue 21: the model view said "Training notebook: unknown" for train_model.ipynb)."""
    script = tmp_path / "train_model.ipynb"
    script.write_text("{}")
    assert capture_provenance(training_script_path=script) == {
        **EMPTY_PROVENANCE, "training_script": "train_model.ipynb", "script_dir": str(tmp_path)}
    assert capture_provenance(artifact_dir=tmp_path / "missing" / "art") == EMPTY_PROVENANCE


def test_outside_any_repository_gitpython_is_not_even_imported(tmp_path):
    """Importing gitpython costs a tenth of a second; no .git up the tree means no repository."""
    script = tmp_path / "train.py"
    script.write_text("print(1)")
    code = ("import sys; from model_catalog_ext.provenance import capture_provenance, EMPTY_PROVENANCE;"
            f"assert capture_provenance(training_script_path={str(script)!r})['git_commit'] is None;"
            "print('git' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_a_worktree_whose_git_is_a_file_is_found(tmp_path):
    repo = make_repo(tmp_path / "repo")
    git(repo, "worktree", "add", "-q", "-b", "feature", str(tmp_path / "feature"))
    assert (tmp_path / "feature" / ".git").is_file()
    prov = capture_provenance(training_script_path=tmp_path / "feature" / "notebooks" / "train.ipynb")
    assert prov["git_branch"] == "feature"
    assert prov["git_commit"] == git(repo, "rev-parse", "HEAD")


def test_clean_repository_with_a_token_in_the_remote(tmp_path):
    repo = make_repo(tmp_path / "repo", "https://alice:ghp_SECRET123@github.example.com/org/proj.git")
    prov = capture_provenance(training_script_path=repo / "notebooks" / "train.ipynb")
    assert prov == {
        "git_branch": "main",
        "git_commit": git(repo, "rev-parse", "HEAD"),
        "repository_url": "https://github.example.com/org/proj.git",
        "script_dir": str(repo / "notebooks"),  # absolute, as ADS records it
        "training_script": "notebooks/train.ipynb",
        "git_dirty": False,
    }
    assert "SECRET" not in str(prov) and "alice" not in str(prov)


@pytest.mark.parametrize("url, expected", [
    ("https://user:token@host.example/a/b.git", "https://host.example/a/b.git"),
    ("https://oauth2:glpat-xyz@gitlab.example:8443/g/p.git?private_token=abc#frag",
     "https://gitlab.example:8443/g/p.git"),
    ("http://TOKEN@host/x", "http://host/x"),
    ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
    ("deploy:hunter2@git.example:org/repo.git", "deploy@git.example:org/repo.git"),
    ("ssh://git:pw@git.example:2222/org/repo.git", "ssh://git@git.example:2222/org/repo.git"),
    ("ssh://git.example/org/repo.git", "ssh://git.example/org/repo.git"),
    ("/srv/git/repo.git", "/srv/git/repo.git"),
    # IPv6 hosts keep their brackets (without them the URL means something else)
    ("https://u:p@[::1]:8080/r", "https://[::1]:8080/r"),
    ("https://[2001:db8::1]/org/r.git?token=x", "https://[2001:db8::1]/org/r.git"),
    ("ssh://git:pw@[::1]:2222/r.git", "ssh://git@[::1]:2222/r.git"),
    ("deploy:hunter2@[fe80::1]:org/repo.git", "deploy@[fe80::1]:org/repo.git"),
    # passwords with characters a URL reserves (git takes such remotes as they are)
    ("https://bob:abc#d@github.com/o/r.git", "https://github.com/o/r.git"),
    ("https://bob:1234#x@github.com/o/r.git", "https://github.com/o/r.git"),
    ("https://bob:p/ss@host.example/r.git", "https://host.example/r.git"),
    ("https://bob:p?ss@host.example/r.git", "https://host.example/r.git"),
    ("ssh://git:p#w@git.example/r.git", "ssh://git@git.example/r.git"),
    ("https://host.example:notaport/r.git?token=x", "https://host.example:notaport/r.git"),
    # an "@" in the path is no user information
    ("https://host.example/org/repo@v1.git", "https://host.example/org/repo@v1.git"),
    (None, None),
])
def test_strip_credentials(url, expected):
    assert strip_credentials(url) == expected


def test_ssh_remote_is_recorded_without_password(tmp_path):
    repo = make_repo(tmp_path / "repo", "ssh://git:s3cret@git.example:2222/org/repo.git")
    prov = capture_provenance(training_script_path=repo / "notebooks" / "train.ipynb")
    assert prov["repository_url"] == "ssh://git@git.example:2222/org/repo.git"


def test_uncommitted_changes_to_the_script_are_refused_with_the_files(tmp_path):
    repo = make_repo(tmp_path / "repo")
    script = repo / "notebooks" / "train.ipynb"
    script.write_text('{"cells": []}')
    with pytest.raises(PendingChanges) as info:
        capture_provenance(training_script_path=script)
    assert info.value.details["files"] == ["notebooks/train.ipynb"]
    assert "ignore_pending_changes=True" in str(info.value)
    assert info.value.code == "pending_changes"
    prov = capture_provenance(training_script_path=script, ignore_pending_changes=True)
    assert prov["git_dirty"] is True and prov["training_script"] == "notebooks/train.ipynb"


def test_uncommitted_files_in_the_artifact_are_listed(tmp_path):
    repo = make_repo(tmp_path / "repo")
    art = repo / "artifacts" / "m1"
    art.mkdir(parents=True)
    (art / "score.py").write_text("x = 1\n")
    (art / "__pycache__").mkdir()
    (art / "__pycache__" / "score.cpython-311.pyc").write_bytes(b"\0")
    (art / "model-metadata.json").write_text("{}")  # what verify() writes: not a change of the user's
    with pytest.raises(PendingChanges) as info:
        capture_provenance(training_script_path=repo / "notebooks" / "train.ipynb", artifact_dir=art)
    assert info.value.details["files"] == ["artifacts/m1/score.py"]


def test_changes_elsewhere_only_make_the_repo_dirty(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / "README.md").write_text("changed")
    prov = capture_provenance(training_script_path=repo / "notebooks" / "train.ipynb")
    assert prov["git_dirty"] is True


def test_detached_head(tmp_path):
    repo = make_repo(tmp_path / "repo")
    first = git(repo, "rev-parse", "HEAD")
    (repo / "README.md").write_text("second")
    git(repo, "commit", "-qam", "second")
    git(repo, "checkout", "-q", first)
    prov = capture_provenance(training_script_path=repo / "notebooks" / "train.ipynb")
    assert prov["git_branch"] is None
    assert prov["git_commit"] == first


def test_no_remote(tmp_path):
    repo = make_repo(tmp_path / "repo")
    prov = capture_provenance(training_script_path=repo / "notebooks" / "train.ipynb")
    assert prov["repository_url"] is None
    assert prov["git_branch"] == "main"


def test_non_origin_remote_is_used_when_there_is_no_origin(tmp_path):
    repo = make_repo(tmp_path / "repo")
    git(repo, "remote", "add", "upstream", "https://u:p@host.example/up.git")
    prov = capture_provenance(training_script_path=repo / "notebooks" / "train.ipynb")
    assert prov["repository_url"] == "https://host.example/up.git"


def test_submodule_reports_its_own_repository(tmp_path):
    sub = make_repo(tmp_path / "sub", "https://bob:tok@host.example/sub.git")
    outer = make_repo(tmp_path / "outer", "https://host.example/outer.git")
    git(outer, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "libs/sub")
    git(outer, "commit", "-qm", "add submodule")
    script = outer / "libs" / "sub" / "notebooks" / "train.ipynb"
    prov = capture_provenance(training_script_path=script)
    assert prov["git_commit"] == git(sub, "rev-parse", "HEAD")
    assert prov["training_script"] == "notebooks/train.ipynb"
    assert prov["repository_url"] == str(sub)  # the submodule's origin is where it was cloned from
    assert prov["git_dirty"] is False
    outer_prov = capture_provenance(training_script_path=outer / "notebooks" / "train.ipynb")
    assert outer_prov["git_commit"] == git(outer, "rev-parse", "HEAD")
    assert outer_prov["repository_url"] == "https://host.example/outer.git"


def test_empty_repository(tmp_path):
    repo = tmp_path / "empty"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "trunk")
    prov = capture_provenance(artifact_dir=repo / "art", ignore_pending_changes=True)
    assert prov["git_commit"] is None
    assert prov["git_branch"] == "trunk"
    assert prov["repository_url"] is None
    script = repo / "train.py"
    script.write_text("print(1)")
    with pytest.raises(PendingChanges) as info:
        capture_provenance(training_script_path=script)
    assert info.value.details["files"] == ["train.py"]


def test_find_notebook_path_uses_the_jupyter_session(monkeypatch, tmp_path):
    assert find_notebook_path() is None  # not in a kernel: no guessing from __file__
    nb = tmp_path / "work" / "train.ipynb"
    nb.parent.mkdir()
    nb.write_text("{}")
    monkeypatch.setenv("JPY_SESSION_NAME", str(nb))
    assert find_notebook_path() == str(nb)
    # an API path relative to the server root; the kernel runs in the notebook's folder
    monkeypatch.setenv("JPY_SESSION_NAME", "work/train.ipynb")
    monkeypatch.chdir(nb.parent)
    assert find_notebook_path() == str(nb)
    monkeypatch.setenv("JPY_SESSION_NAME", "Console 1")  # a console's session: no file to name
    assert find_notebook_path() is None


def test_notebook_from_the_session_is_the_training_script(monkeypatch, tmp_path):
    repo = make_repo(tmp_path / "repo")
    monkeypatch.setenv("JPY_SESSION_NAME", str(repo / "notebooks" / "train.ipynb"))
    monkeypatch.chdir(tmp_path)  # the process's cwd is outside the repo: the session wins
    prov = capture_provenance()
    assert prov["training_script"] == "notebooks/train.ipynb"


REPO_ROOT = Path(__file__).resolve().parents[2]
CAPTURE = textwrap.dedent("""
    import json
    from model_catalog_ext.provenance import capture_provenance
    print(json.dumps(capture_provenance(ignore_pending_changes=True)))
""")


def _run(cwd, *args) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    done = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_python_script_run_is_its_own_training_script(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / "scripts").mkdir()
    (repo / "scripts" / "train.py").write_text(CAPTURE)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "training script")
    prov = _run(repo, "scripts/train.py")  # a relative path, as typed
    assert prov["training_script"] == "scripts/train.py"
    assert prov["script_dir"] == str(repo / "scripts")
    assert prov["git_commit"] == git(repo, "rev-parse", "HEAD")
    # python -c and stdin have no script file: nothing is guessed (the repo still comes from cwd)
    for args in (["-c", CAPTURE], ["-"]):
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
        done = subprocess.run([sys.executable, *args], cwd=repo, env=env, capture_output=True,
                              text=True, timeout=120, input=CAPTURE if args == ["-"] else None)
        prov = json.loads(done.stdout.strip().splitlines()[-1])
        assert prov["training_script"] is None and prov["script_dir"] is None, args
        assert prov["git_commit"] == git(repo, "rev-parse", "HEAD")


def test_an_uncommitted_script_run_is_refused(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / "train.py").write_text(CAPTURE.replace("ignore_pending_changes=True", ""))
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    done = subprocess.run([sys.executable, "train.py"], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0
    assert "PendingChanges" in done.stderr and "train.py" in done.stderr


@pytest.mark.parametrize("how", ["git test variable", "chown"])
def test_a_repository_git_refuses_gives_a_clear_error(tmp_path, monkeypatch, how):
    repo = make_repo(tmp_path / "repo")
    script = repo / "notebooks" / "train.ipynb"
    if how == "chown":
        if os.geteuid() != 0:
            pytest.skip("only root can give the repository to another user")
        for path in [repo, *repo.rglob("*")]:
            os.lchown(path, 4242, 4242)
    else:  # git honours it for exactly this check: "the repository is someone else's"
        monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")
    for ignore in (False, True):  # with ignore_pending_changes it used to record git_commit None
        with pytest.raises(PrepareError) as info:
            capture_provenance(training_script_path=script, ignore_pending_changes=ignore)
        message = str(info.value)
        assert f"git refused to read the repository at {repo}" in message
        assert "dubious ownership" in message
        assert f"git config --global --add safe.directory {repo}" in message
        assert info.value.code == "prepare_error" and info.value.details["path"] == str(repo)
    # the fix the message gives works
    subprocess.run(info.value.details["fix"].split(), check=True)
    prov = capture_provenance(training_script_path=script)
    assert prov["training_script"] == "notebooks/train.ipynb"
    assert prov["git_commit"] is not None and prov["git_dirty"] is False
