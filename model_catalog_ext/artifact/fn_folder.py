"""``fn-folder/``: func.py, func.yaml and requirements.txt for an Fn Project Python function."""
from __future__ import annotations

import platform
import re
from pathlib import Path

from . import layout, rendering

FDK_REQUIREMENT = "fdk>=0.1.60"


def write(directory: Path, artifact_name: str, requirement_lines: list[str]) -> list[str]:
    """Write fn-folder/ under ``directory``; returns the paths written, relative to it."""
    folder = Path(directory) / layout.FN_FOLDER
    folder.mkdir()
    name = re.sub(r"[^a-z0-9-]+", "-", artifact_name.lower()).strip("-") or "model"
    python_minor = ".".join(platform.python_version_tuple()[:2])
    (folder / "func.py").write_text(rendering.render("func.py.tmpl"))
    (folder / "func.yaml").write_text(
        rendering.render("func.yaml.tmpl", FUNCTION_NAME=name[:60], PYTHON_MINOR=python_minor)
    )
    lines = [FDK_REQUIREMENT] + [l for l in requirement_lines if not l.lower().startswith("fdk")]
    (folder / "requirements.txt").write_text("".join(f"{l}\n" for l in lines))
    return [f"{layout.FN_FOLDER}/func.py", f"{layout.FN_FOLDER}/func.yaml",
            f"{layout.FN_FOLDER}/requirements.txt"]
