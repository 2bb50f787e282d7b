"""A real notebook in a real git repository, with a real kernel started by the server."""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import nbformat

from tests.notebook_output import add_iopub_output

TRAIN_CODE = """
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
X, y = load_iris(return_X_y=True, as_frame=True)
clf = LogisticRegression(max_iter=500).fit(X, y)
X_small = X.head(10)
y_small = y.head(10)
not_a_model = {"a": 1}
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def make_repo_with_notebook(root: Path, notebook="work/train.ipynb") -> Path:
    """A git repo at the server root holding a committed notebook; returns the notebook path."""
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "ds@example.com")
    git(root, "config", "user.name", "Data Scientist")
    git(root, "remote", "add", "origin", "https://alice:s3cr3t-token@git.example.com/team/churn.git")
    path = root / notebook
    path.parent.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(TRAIN_CODE)])
    nbformat.write(nb, path)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "train")
    return path


async def start_session(jp_fetch, notebook: str) -> str:
    response = await jp_fetch(
        "api", "sessions", method="POST",
        body=json.dumps({"path": notebook, "type": "notebook", "name": notebook, "kernel": {"name": "python3"}}),
    )
    return json.loads(response.body)["kernel"]["id"]


async def run_in_kernel(kernel_manager, kernel_id: str, code: str, timeout: float = 120) -> None:
    """Execute code in the kernel (as the user's cell would) and wait for it to finish."""
    client = kernel_manager.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        msg_id = client.execute(code)
        deadline = time.monotonic() + timeout
        while True:
            reply = await client.get_shell_msg(timeout=deadline - time.monotonic())
            if reply["parent_header"].get("msg_id") == msg_id:
                assert reply["content"]["status"] == "ok", reply["content"]
                return
    finally:
        client.stop_channels()


async def execute(kernel_manager, kernel_id: str, code: str, timeout: float = 120) -> str:
    """Run ``code`` in the kernel as a cell; the text it printed or displayed."""
    client = kernel_manager.get_kernel(kernel_id).client()
    client.start_channels()
    out = []
    try:
        await client.wait_for_ready(timeout=60)
        msg_id = client.execute(code)
        deadline = time.monotonic() + timeout
        while True:
            msg = await client.get_iopub_msg(timeout=deadline - time.monotonic())
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if add_iopub_output(out, msg):
                return "".join(out)
    finally:
        client.stop_channels()
