"""Git provenance for a save, refusing a training script that is not there.

``capture_provenance()`` treats a missing script like one outside git (every value None),
which hides a typo in the path: the model would be saved with no provenance at all.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import InvalidInput


def check_training_script(training_script_path, argument: str = "training_script_path") -> None:
    """InvalidInput unless ``training_script_path`` is None or an existing path.

    ``argument`` is how the caller's user names it (``--training-script`` on the command line).
    """
    if training_script_path is None:
        return
    path = Path(training_script_path).expanduser()
    if not path.exists():
        raise InvalidInput(
            f"The training script '{path.absolute()}' does not exist, so its git provenance cannot be "
            f"recorded. Pass the path of the script or notebook that trained the model as {argument}, "
            "or leave it out.", path=str(path.absolute()))


def capture(training_script_path, artifact_dir, ignore_pending_changes: bool) -> dict:
    """Provenance of ``training_script_path`` (None: this notebook), after checking it exists."""
    check_training_script(training_script_path)
    from ..provenance import capture_provenance

    return capture_provenance(training_script_path=training_script_path, artifact_dir=artifact_dir,
                              ignore_pending_changes=ignore_pending_changes)
