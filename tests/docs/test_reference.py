"""docs/reference/ is generated from the code and must match it (issue 24).

``scripts/docs_reference.py`` writes the pages; these tests fail when a public name has no
docstring (the reference would say nothing about it) and when the committed pages differ
from what the script writes now (run ``python scripts/docs_reference.py`` after changing
a docstring, a parser, openapi.yaml or a configuration option).
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "scripts" / "docs_reference.py"


def _script():
    spec = importlib.util.spec_from_file_location("docs_reference", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_public_name_has_a_docstring():
    missing = _script().missing_docstrings()
    assert not missing, "public names without a docstring (the reference says nothing of them):\n" + "\n".join(missing)


def test_the_committed_reference_is_what_the_code_generates():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    ran = subprocess.run([sys.executable, str(SCRIPT), "--check"], cwd=REPO_ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr or ran.stdout


def test_every_environment_variable_the_code_reads_is_described():
    script = _script()
    undocumented = sorted(set(script.environment_variables()) - set(script.ENVIRONMENT))
    assert not undocumented, f"describe {undocumented} in scripts/docs_reference.py's ENVIRONMENT"


def test_every_reference_page_is_there():
    names = {p.name for p in (REPO_ROOT / "docs" / "reference").glob("*.md")}
    assert {"python.md", "magics.md", "cli.md", "rest.md", "configuration.md"} <= names
