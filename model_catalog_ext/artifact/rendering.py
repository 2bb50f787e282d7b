"""Fill the file templates in ``artifact/templates/`` ({{NAME}} placeholders)."""
from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

_TEMPLATES = Path(__file__).with_name("templates")
_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")


def generator_version() -> str:
    """The version of model-catalog-ext that writes the files (for their headers)."""
    try:
        from .._version import __version__
    except ImportError:  # a source checkout that was never built
        return "0.0.0+unknown"
    return __version__


def render(name: str, **values: str) -> str:
    """Return template ``name`` with every ``{{KEY}}`` replaced; a missing key is a bug."""
    values.setdefault("GENERATOR_VERSION", generator_version())
    values.setdefault(
        "TIME_CREATED", _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    if "INPUT_HELPERS" not in values and name.startswith("score_"):
        values["INPUT_HELPERS"] = (_TEMPLATES / "input_helpers.py.tmpl").read_text()
    text = (_TEMPLATES / name).read_text()

    def substitute(match: re.Match) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"template {name} needs a value for {{{{{key}}}}}")
        return str(values[key])

    return _PLACEHOLDER.sub(substitute, text)
