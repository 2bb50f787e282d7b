"""Say the command line's flags where a message from the Python layers names the Python
arguments (``pass ignore_pending_changes=True`` -> ``pass --ignore-pending-changes``)."""
from __future__ import annotations

import re

_PHRASES = [
    # "pass force_overwrite=True (--force)": the flag is there already
    (re.compile(r"force_overwrite=True \((--force)\)"), r"\1"),
    (re.compile(r"\bforce_overwrite=True\b"), "--force"),
    (re.compile(r"\bignore_pending_changes=True\b"), "--ignore-pending-changes"),
    (re.compile(r"save\(artifact_dir, \.\.\., as_new_version_of='([^']+)'\)"),
     r"jupyter model-catalog save PATH --name NAME --version-of \1"),
    (re.compile(r"\bas_new_version_of='([^']+)'"), r"--version-of \1"),
    (re.compile(r"\bas_new_version_of\b"), "--version-of"),
    (re.compile(r"\btraining_script_path\b"), "--training-script"),
]


def in_flags(message: str) -> str:
    """``message`` with the Python argument names it mentions replaced by the CLI's flags."""
    for pattern, replacement in _PHRASES:
        message = pattern.sub(replacement, message)
    return message
