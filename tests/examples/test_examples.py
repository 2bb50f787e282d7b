"""Every notebook in examples/ runs top to bottom in a real kernel (issue 24).

Each runs against a throw-away catalog, from a throw-away git repository holding only that
notebook, committed, so the provenance the notebook saves is real (the kernel is told its
notebook's path as Jupyter tells it: ``JPY_SESSION_NAME``). The notebooks check values with
``assert`` statements, so any error or any wrong value fails the cell, and the cell fails
the test with its traceback. A cell whose printed output is checked (a magic's, which cannot
assert) lists the text it must show in its metadata, ``"expected_output": ["...", ...]``
(JupyterLab: the property inspector's cell metadata).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.notebook_output import printed

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO_ROOT / "examples").glob("*.ipynb"))
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "Example Runner", "GIT_AUTHOR_EMAIL": "examples@example.invalid",
                "GIT_COMMITTER_NAME": "Example Runner", "GIT_COMMITTER_EMAIL": "examples@example.invalid"}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                   env={**os.environ, **GIT_IDENTITY})


def _throwaway_repository(tmp: Path, notebook: Path) -> Path:
    repo = tmp / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    shutil.copy(notebook, repo / notebook.name)
    _git(repo, "add", notebook.name)
    _git(repo, "-c", "commit.gpgsign=false", "commit", "-q", "-m", f"Add {notebook.name}")
    return repo / notebook.name


def _kernel_environment(tmp: Path, notebook: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MODEL_CATALOG_", "JPY_", "GIT_"))}
    env.update({
        "MODEL_CATALOG_URL": f"sqlite:///{tmp}/catalog.db",
        "MODEL_CATALOG_ARTIFACT_ROOT": str(tmp / "blobs"),
        "MODEL_CATALOG_CACHE_DIR": str(tmp / "cache"),
        "JPY_SESSION_NAME": str(notebook),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        **GIT_IDENTITY,
    })
    return env



def unexpected_outputs(nb) -> list[str]:
    """One line per expected text a cell did not print."""
    wrong = []
    for index, cell in enumerate(nb.cells):
        shown = printed(cell) if cell.cell_type == "code" else ""
        for expected in cell.metadata.get("expected_output", []):
            if expected not in shown:
                wrong.append(f"cell {index} ({cell.source.splitlines()[0]!r}) did not print {expected!r}; it printed:\n"
                             f"{shown}")
    return wrong


def test_there_are_examples():
    names = [p.name for p in EXAMPLES]
    assert len(names) >= 4, names


@pytest.mark.parametrize("notebook", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_committed_without_outputs(notebook: Path):
    nb = nbformat.read(notebook, as_version=4)
    with_outputs = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not with_outputs, f"{notebook.name}: clear the outputs of cells {with_outputs} before committing"


@pytest.mark.parametrize("notebook", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs_top_to_bottom(notebook: Path, tmp_path: Path):
    copy = _throwaway_repository(tmp_path, notebook)
    nb = nbformat.read(copy, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(copy.parent)}})
    client.execute(env=_kernel_environment(tmp_path, copy))  # CellExecutionError names the cell and its traceback
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    wrong = unexpected_outputs(nb)
    assert not wrong, "\n".join(wrong)


def test_a_cell_without_its_expected_output_is_reported():
    cell = nbformat.v4.new_code_cell("print('Saved iris v1')", metadata={"expected_output": ["Saved iris v2"]})
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="Saved iris v1\n")]
    nb = nbformat.v4.new_notebook(cells=[cell])
    assert len(unexpected_outputs(nb)) == 1
    cell.metadata["expected_output"] = ["Saved iris v1"]
    assert unexpected_outputs(nb) == []
