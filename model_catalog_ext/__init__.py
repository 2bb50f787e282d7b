"""model-catalog-ext: a managed, shared catalog of machine-learning models for JupyterLab.

The public Python API follows Oracle ADS names::

    from model_catalog_ext import ModelCatalog, ModelArtifact, prepare, prepare_generic_model

Heavy modules (pandas, scikit-learn, ONNX, SQLAlchemy) load on first use, so importing
this package from a kernel's start-up costs next to nothing.
"""
from __future__ import annotations

import importlib

try:
    from ._version import __version__
except ImportError:  # a source checkout that was never installed
    __version__ = "0.0.0+unknown"

# name -> module that defines it; resolved lazily by __getattr__ (PEP 562).
_PUBLIC_API = {
    "ModelCatalog": "model_catalog_ext.api",
    "ModelSummaryList": "model_catalog_ext.api",
    "Model": "model_catalog_ext.api",
    "ModelArtifact": "model_catalog_ext.api",
    "prepare": "model_catalog_ext.api",  # they return a ModelArtifact with .save()
    "prepare_generic_model": "model_catalog_ext.api",
    "capture_provenance": "model_catalog_ext.provenance",
    # What ADS's model-catalog guide imports from ads.common.model and ads.catalog.*
    "ADSModel": "model_catalog_ext.api",
    "ProjectCatalog": "model_catalog_ext.api",
    "ProjectSummaryList": "model_catalog_ext.api",
    "SummaryList": "model_catalog_ext.api",
}

__all__ = ["__version__", *_PUBLIC_API]


def __getattr__(name: str):
    module = _PUBLIC_API.get(name)
    if module is None:
        raise AttributeError(f"module 'model_catalog_ext' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC_API))


# --- JupyterLab / Jupyter Server / IPython entry points -----------------------------

def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "model-catalog-ext"}]


def _jupyter_server_extension_points():
    return [{"module": "model_catalog_ext"}]


def _load_jupyter_server_extension(server_app):
    """Register the REST API under ``/model-catalog/api/`` (called by Jupyter Server)."""
    from .server.app import load_server_extension

    load_server_extension(server_app)


def load_ipython_extension(ipython):
    """``%load_ext model_catalog_ext``: register the ``%catalog`` magics."""
    from .magics import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython):
    from .magics import unload_ipython_extension as _unload

    _unload(ipython)
