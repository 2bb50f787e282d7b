"""Paths sent to the API follow the contents manager's hidden-file rule: with
ContentsManager.allow_hidden False (the default) nothing is read or written through a
folder whose name starts with '.', as the file browser cannot reach it either."""
import json

import pytest

from .helpers import artifact_files
from .notebook_session import make_repo_with_notebook
from .test_models_api import fetch_json, upload

HIDDEN = [".git/hooks", "work/.secret", ".ipynb_checkpoints", "./.config/x", "work//.cache"]


async def test_download_into_a_hidden_folder_is_refused(jp_fetch, jp_root_dir):
    make_repo_with_notebook(jp_root_dir, "work/train.ipynb")
    hooks = sorted(p.name for p in (jp_root_dir / ".git" / "hooks").iterdir())
    entry = await upload(jp_fetch, {"display_name": "hook"})
    for path in HIDDEN:
        refused = await fetch_json(jp_fetch, "models", entry["id"], "download", method="POST", expect=403,
                                   body=json.dumps({"path": path, "force_overwrite": True}))
        assert refused["error"] == "forbidden_path" and "hidden" in refused["message"], path
        assert "allow_hidden" in refused["message"]
    assert sorted(p.name for p in (jp_root_dir / ".git" / "hooks").iterdir()) == hooks
    assert not (jp_root_dir / "work" / ".secret").exists()
    # A visible name that is a link to a hidden folder leads there all the same.
    (jp_root_dir / "visible").symlink_to(jp_root_dir / ".git")
    refused = await fetch_json(jp_fetch, "models", entry["id"], "download", method="POST", expect=403,
                               body=json.dumps({"path": "visible/hooks", "force_overwrite": True}))
    assert refused["error"] == "forbidden_path"
    assert not (jp_root_dir / ".git" / "hooks" / "score.py").exists()


async def test_saves_from_hidden_files_are_refused(jp_fetch, jp_root_dir):
    make_repo_with_notebook(jp_root_dir, ".hidden/train.ipynb")
    (jp_root_dir / ".hidden" / "model.joblib").write_bytes(b"x")
    cases = [
        (("notebooks", "save"), {"path": ".hidden/train.ipynb", "variable": "clf", "display_name": "x"}),
        (("files", "save"), {"path": ".hidden/model.joblib", "display_name": "x"}),
        (("files", "save"), {"path": "work/x.joblib", "training_script": ".hidden/train.ipynb",
                             "display_name": "x"}),
    ]
    (jp_root_dir / "work").mkdir()
    (jp_root_dir / "work" / "x.joblib").write_bytes(b"x")
    for parts, body in cases:
        refused = await fetch_json(jp_fetch, *parts, method="POST", body=json.dumps(body), expect=403)
        assert refused["error"] == "forbidden_path", (parts, body)
    refused = await fetch_json(jp_fetch, "notebooks", "models", params={"path": ".hidden/train.ipynb"}, expect=403)
    assert refused["error"] == "forbidden_path"


@pytest.mark.parametrize("value", [5, ["work"], {"a": 1}, True, " "])
async def test_a_path_that_is_not_text_is_a_400(jp_fetch, jp_root_dir, value):
    entry = await upload(jp_fetch, {"display_name": "typed"})
    for parts, body in [
        (("models", entry["id"], "download"), {"path": value}),
        (("notebooks", "save"), {"path": value, "variable": "clf", "display_name": "x"}),
        (("files", "save"), {"path": value, "display_name": "x"}),
        (("files", "save"), {"path": "m.joblib", "training_script": value, "display_name": "x"}),
    ]:
        (jp_root_dir / "m.joblib").write_bytes(b"x")
        error = await fetch_json(jp_fetch, *parts, method="POST", body=json.dumps(body), expect=400)
        assert error["error"] == "invalid_input", (parts, body)


class TestWhenHiddenFilesAreAllowed:
    @pytest.fixture
    def jp_server_config(self, jp_server_config):
        jp_server_config["ContentsManager"] = {"allow_hidden": True}
        return jp_server_config

    async def test_a_hidden_folder_is_a_folder_like_any_other(self, jp_fetch, jp_root_dir):
        entry = await upload(jp_fetch, {"display_name": "hidden ok"})
        answer = await fetch_json(jp_fetch, "models", entry["id"], "download", method="POST",
                                  body=json.dumps({"path": ".models/hidden-ok"}))
        assert answer["path"] == ".models/hidden-ok"
        assert (jp_root_dir / ".models" / "hidden-ok" / "score.py").read_bytes() == artifact_files()["score.py"]


async def test_an_uploaded_git_folder_is_never_unpacked(jp_fetch, jp_root_dir):
    """A shared catalog must not let one user's upload run code for another: a .git/config
    in an artifact would make the download folder a repository whose fsmonitor command runs
    at the next `git status` (the save dialog's pending-changes check runs one)."""
    files = {**artifact_files(), ".git/HEAD": b"ref: refs/heads/main\n",
             ".git/config": b"[core]\n\tfsmonitor = \"touch PWNED; false\"\n", "sub/.Git/config": b"x"}
    entry = await upload(jp_fetch, {"display_name": "with-git"}, files=files)
    assert not [m["path"] for m in entry["manifest"] if ".git" in m["path"].lower()]
    await fetch_json(jp_fetch, "models", entry["id"], "download", method="POST",
                     body=json.dumps({"path": "shared-model"}))
    assert (jp_root_dir / "shared-model" / "score.py").is_file()
    assert not (jp_root_dir / "shared-model" / ".git").exists()
    assert not (jp_root_dir / "shared-model" / "sub").exists()


@pytest.mark.parametrize("planted", [".bashrc", ".ipython/profile_default/startup/00-run-me.py",
                                     ".jupyter/jupyter_server_config.py", "sub/.envrc"])
async def test_a_download_into_the_root_writes_no_hidden_file_of_the_artifact(jp_fetch, jp_root_dir, planted):
    """Issue 19, item 4: the target '.' is visible, but the artifact's own hidden entries would
    land in the server root ($HOME on many servers) and run code in later shells and kernels."""
    files = {**artifact_files(), planted: b"import os; os.system('touch /tmp/pwned')\n"}
    entry = await upload(jp_fetch, {"display_name": "planted"}, files=files)
    before = sorted(p.relative_to(jp_root_dir).as_posix() for p in jp_root_dir.rglob("*"))
    refused = await fetch_json(jp_fetch, "models", entry["id"], "download", method="POST", expect=403,
                               body=json.dumps({"path": ".", "force_overwrite": True}))
    assert refused["error"] == "forbidden_path" and planted in refused["message"]
    assert "zip" in refused["message"] and "allow_hidden" in refused["message"]
    assert sorted(p.relative_to(jp_root_dir).as_posix() for p in jp_root_dir.rglob("*")) == before


async def test_an_artifacts_model_ignore_file_is_still_written(jp_fetch, jp_root_dir):
    files = {**artifact_files(), ".model-ignore": b"*.log\n"}
    entry = await upload(jp_fetch, {"display_name": "ads-made"}, files=files)
    await fetch_json(jp_fetch, "models", entry["id"], "download", method="POST",
                     body=json.dumps({"path": "models/ads-made"}))
    assert (jp_root_dir / "models" / "ads-made" / ".model-ignore").read_bytes() == b"*.log\n"
