"""What a save does with an artifact whose last ``verify()`` failed: warn, or refuse.

The test results go with the model (``ArtifactTestResults`` in its defined metadata), so a
failed artifact can still be saved -- to share it, or to fix it later.  But nobody should
do that without noticing: every save path calls :func:`check_before_save` with the
defined metadata it is about to store.  ``MODEL_CATALOG_REFUSE_FAILED_VERIFY=1`` (or
``refuse=True``) turns the warning into a refusal, for teams that want only verified
models in their catalog.  An artifact never verified, or verified since its last edit
and found ok, saves silently.
"""
from __future__ import annotations

import os
import sys
import warnings

from ..errors import FailedVerification  # noqa: F401 (importable from here too)

ENV_VAR = "MODEL_CATALOG_REFUSE_FAILED_VERIFY"
_TRUE = {"1", "true", "yes", "on"}


class FailedVerificationWarning(UserWarning):
    """The artifact being saved failed its last verify()."""


def refusing(refuse: bool | None = None) -> bool:
    """Whether failed artifacts are refused: ``refuse`` if given, else the environment."""
    if refuse is not None:
        return bool(refuse)
    return os.environ.get(ENV_VAR, "").strip().lower() in _TRUE


def failure_summary(defined_metadata) -> str | None:
    """What failed, when ``defined_metadata`` records a failed verify(); else None."""
    results = (defined_metadata or {}).get("ArtifactTestResults")
    if not isinstance(results, dict) or results.get("ok") is not False:
        return None
    failed = [c for c in results.get("checks") or [] if isinstance(c, dict) and c.get("ok") is False]
    details = "; ".join(f"{c.get('name')}: {' '.join(str(c.get('message', '')).split())[:200]}" for c in failed)
    return details or "no details recorded"


def check_before_save(defined_metadata, where: str = "api", refuse: bool | None = None) -> str | None:
    """Warn (or, when refusing, raise FailedVerification) if the defined metadata about to be
    saved records a failed verify(); returns the warning's text, None when all is well.

    ``where`` says how to warn: ``"api"`` with a FailedVerificationWarning, ``"cli"`` and
    ``"magic"`` with a ``warning:`` line on stderr, ``"server"`` only by the returned text.
    """
    summary = failure_summary(defined_metadata)
    if summary is None:
        return None
    if refusing(refuse):
        raise FailedVerification(
            f"Not saved: the artifact's last verify() failed ({summary}). Fix the artifact and verify() it "
            f"again, or unset {ENV_VAR} to save it with its failed test results.",
            setting=ENV_VAR)
    message = (f"The artifact's last verify() failed ({summary}); it is saved with ArtifactTestResults "
               f"ok=False. Fix it and verify() again, or set {ENV_VAR}=1 to refuse such saves.")
    if where == "api":
        warnings.warn(message, FailedVerificationWarning, stacklevel=3)
    elif where in ("cli", "magic"):
        print(f"warning: {message}", file=sys.stderr)
    return message
