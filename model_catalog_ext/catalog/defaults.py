"""Where the embedded catalog lives, and who the current user is.

The embedded default sits under the Jupyter data dir (``jupyter --data-dir``/model-catalog),
so a fresh install needs no set-up; ``MODEL_CATALOG_URL`` / ``MODEL_CATALOG_ARTIFACT_ROOT``
point every door at a team catalog instead.  The OCI-style ``*_OCID`` variables fill the
namespaces and the author the way they do in OCI Data Science notebook sessions.
"""
from __future__ import annotations

import getpass
import os
from pathlib import Path

URL_ENV = "MODEL_CATALOG_URL"
ARTIFACT_ROOT_ENV = "MODEL_CATALOG_ARTIFACT_ROOT"


def default_home() -> Path:
    """``<jupyter data dir>/model-catalog``."""
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "model-catalog"


def default_url() -> str:
    """The metadata store URL: ``$MODEL_CATALOG_URL`` or an SQLite file in the data dir."""
    url = os.environ.get(URL_ENV)
    if url:
        return url
    return f"sqlite:///{default_home() / 'catalog.db'}"


def default_artifact_root() -> str:
    """The blob store root: ``$MODEL_CATALOG_ARTIFACT_ROOT`` or ``blobs/`` in the data dir."""
    root = os.environ.get(ARTIFACT_ROOT_ENV)
    if root:
        return root
    return str(default_home() / "blobs")


def current_user() -> str:
    """``$USER_OCID`` when running in OCI, else the OS user."""
    user = os.environ.get("USER_OCID")
    if user:
        return user
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (some containers): still record something
        return f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def default_compartment_id() -> str | None:
    """``$NB_SESSION_COMPARTMENT_OCID`` (OCI notebook sessions set it)."""
    return os.environ.get("NB_SESSION_COMPARTMENT_OCID") or None


def default_project_id() -> str | None:
    """``$PROJECT_OCID`` (OCI notebook sessions set it)."""
    return os.environ.get("PROJECT_OCID") or None
