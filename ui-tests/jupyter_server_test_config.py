"""Jupyter Server configuration for the Galata UI tests.

Never use this configuration in production: it opens the server without a token and
exposes JupyterLab's JavaScript objects to the page (Galata needs both).
"""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 (c is injected by the config loader)

# CI machines run as root, and Jupyter refuses root unless told.
if hasattr(os, "geteuid") and os.geteuid() == 0:
    c.ServerApp.allow_root = True  # noqa: F821

# A throw-away catalog for the UI tests (the runner may point MODEL_CATALOG_URL elsewhere,
# e.g. the benchmark's 100,000-model catalog).
_catalog_home = os.environ.get("MODEL_CATALOG_UI_HOME") or tempfile.mkdtemp(prefix="mc-ui-")
_url = os.environ.get("MODEL_CATALOG_URL", f"sqlite:///{_catalog_home}/catalog.db")
_root = os.environ.get("MODEL_CATALOG_ARTIFACT_ROOT", f"{_catalog_home}/blobs")
c.ModelCatalogConfig.backend_url = _url  # noqa: F821
c.ModelCatalogConfig.artifact_root = _root  # noqa: F821
# Kernels (the notebook-save test) and the seeding script use the same catalog.
os.environ["MODEL_CATALOG_URL"] = _url
os.environ["MODEL_CATALOG_ARTIFACT_ROOT"] = _root

# Seed real saved models when the catalog is empty (in a child process: sklearn and the
# artifact layer stay out of the server).
if os.environ.get("MODEL_CATALOG_UI_SEED", "1") != "0":
    subprocess.run(
        [sys.executable, str(Path(__file__).with_name("seed_catalog.py")), "--if-empty"],
        check=False,
        env=os.environ.copy(),
    )
