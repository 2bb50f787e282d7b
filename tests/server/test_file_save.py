"""Save a serialized model file of the file tree (.joblib / .onnx) through POST files/save."""
import io
import json
import subprocess
import sys
import zipfile

import joblib
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from .notebook_session import git, make_repo_with_notebook
from .test_notebook_save import call, wait_for_job

API = ("model-catalog", "api")


def train():
    X, y = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=500).fit(X, y), X


async def test_save_a_joblib_file_and_predict_with_the_download(jp_fetch, jp_root_dir, tmp_path):
    make_repo_with_notebook(jp_root_dir, "work/train.ipynb")
    model, X = train()
    joblib.dump(model, jp_root_dir / "work" / "iris.joblib")
    git(jp_root_dir, "add", "-A")
    git(jp_root_dir, "commit", "-q", "-m", "model file")

    started = await call(jp_fetch, "files", "save", method="POST", expect=202, body=json.dumps({
        "path": "work/iris.joblib", "training_script": "work/train.ipynb", "display_name": "iris-file",
        "freeform_tags": {"source": "file"},
    }))
    job, _ = await wait_for_job(jp_fetch, started["job_id"])
    assert job["state"] == "succeeded", job["error"]
    entry = job["model"]
    assert entry["provenance"]["training_script"] == "work/train.ipynb"
    assert entry["defined_metadata"].get("Framework") == "scikit-learn"

    response = await jp_fetch(*API, "models", entry["id"], "artifact")
    target = tmp_path / "artifact"
    with zipfile.ZipFile(io.BytesIO(response.body)) as archive:
        archive.extractall(target)
    assert (target / "iris.joblib").read_bytes() == (jp_root_dir / "work" / "iris.joblib").read_bytes()
    script = ("import sys, json; sys.path.insert(0, sys.argv[1]); import score; "
              "print(json.dumps(score.predict([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])))")
    out = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert [int(p) for p in json.loads(out.stdout.strip().splitlines()[-1])["prediction"]] == [0, 2]


async def test_file_save_refusals(jp_fetch, jp_root_dir):
    make_repo_with_notebook(jp_root_dir, "work/train.ipynb")
    model, _ = train()
    joblib.dump(model, jp_root_dir / "work" / "untracked.joblib")
    (jp_root_dir / "work" / "notes.txt").write_text("not a model")
    base = {"display_name": "x"}
    pending = await call(jp_fetch, "files", "save", method="POST", expect=409,
                         body=json.dumps({**base, "path": "work/untracked.joblib"}))
    assert pending["error"] == "pending_changes" and "work/untracked.joblib" in pending["details"]["files"]
    for body, status in [
        ({**base, "path": "work/notes.txt"}, 400),
        ({**base, "path": "work/missing.joblib"}, 400),
        ({**base, "path": "../outside.joblib"}, 403),
        ({**base, "path": "/etc/passwd"}, 403),
        ({"path": "work/untracked.joblib"}, 400),
    ]:
        await call(jp_fetch, "files", "save", method="POST", body=json.dumps(body), expect=status)
    assert (await call(jp_fetch, "models", params={"state": "ALL"}))["items"] == []
