"""The code blocks in docs/ marked runnable run, so the guide stays true (issue 24).

A block is runnable when the line before its opening fence is ``<!-- run -->`` (an HTML
comment: GitHub and JupyterLab show nothing).  The runnable blocks of one page run in
order, as one script, in a fresh Python process against a throw-away catalog; the page
fails when the script does.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS = REPO_ROOT / "docs"
MARKER = "<!-- run -->"
_BLOCK = re.compile(r"^<!-- run -->\n```python\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def runnable_blocks(text: str) -> list[str]:
    """The bodies of the ```python blocks preceded by the marker line."""
    return _BLOCK.findall(text)


def marker_lines(text: str) -> int:
    """Lines that are the marker alone (a mention of it in prose does not count)."""
    return sum(1 for line in text.splitlines() if line.strip() == MARKER)


def _pages_with_blocks() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if marker_lines(p.read_text(encoding="utf-8")))


def test_every_marker_opens_a_python_block():
    """A marker before anything but ```python would silently run nothing."""
    for page in DOCS.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        assert marker_lines(text) == len(runnable_blocks(text)), \
            f"{page.relative_to(REPO_ROOT)}: every '{MARKER}' must be followed by a ```python block"


def test_the_marker_finds_blocks():
    sample = "text\n<!-- run -->\n```python\nx = 1\n```\n\n```python\nnot run\n```\n"
    assert runnable_blocks(sample) == ["x = 1\n"]


@pytest.mark.parametrize("page", _pages_with_blocks(), ids=lambda p: p.name)
def test_runnable_blocks_run(page: Path, tmp_path: Path):
    script = tmp_path / f"{page.stem}.py"
    script.write_text("\n".join(runnable_blocks(page.read_text(encoding="utf-8"))), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODEL_CATALOG_")}
    env.update({"MODEL_CATALOG_URL": f"sqlite:///{tmp_path}/catalog.db",
                "MODEL_CATALOG_ARTIFACT_ROOT": str(tmp_path / "blobs"),
                "MODEL_CATALOG_CACHE_DIR": str(tmp_path / "cache"),
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))})
    ran = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=300)
    assert ran.returncode == 0, f"{page.relative_to(REPO_ROOT)}'s runnable blocks failed:\n{ran.stdout}\n{ran.stderr}"
