"""Jupyter Server configuration for the Galata UI tests.

Never use this configuration in production: it opens the server without a token and
exposes JupyterLab's JavaScript objects to the page (Galata needs both).
"""
import os
import tempfile

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 (c is injected by the config loader)

# CI machines run as root, and Jupyter refuses root unless told.
if hasattr(os, "geteuid") and os.geteuid() == 0:
    c.ServerApp.allow_root = True  # noqa: F821

# A throw-away catalog for the UI tests (the runner may seed it through MODEL_CATALOG_URL).
_catalog_home = os.environ.get("MODEL_CATALOG_UI_HOME") or tempfile.mkdtemp(prefix="mc-ui-")
c.ModelCatalogConfig.backend_url = os.environ.get(  # noqa: F821
    "MODEL_CATALOG_URL", f"sqlite:///{_catalog_home}/catalog.db"
)
c.ModelCatalogConfig.artifact_root = os.environ.get(  # noqa: F821
    "MODEL_CATALOG_ARTIFACT_ROOT", f"{_catalog_home}/blobs"
)
