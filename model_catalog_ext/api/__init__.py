"""The ADS-style Python API: ``ModelCatalog``, ``ModelSummaryList``, ``Model``, ``ModelArtifact``.

    from model_catalog_ext import ModelCatalog, ModelArtifact
    mc = ModelCatalog()
    mc.list_models(search="churn tag:version=3").df
    model = ModelArtifact("my-artifact").save(display_name="churn", freeform_tags={"version": "3"})

Names load lazily (PEP 562): ``ModelArtifact`` needs the artifact layer, the rest does not.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "ModelCatalog": ".catalog",
    "ModelSummaryList": ".summary",
    "Model": ".model",
    "ModelArtifact": ".artifact",
    "prepare": ".preparing",
    "prepare_generic_model": ".preparing",
    "resolve_backend": ".backend",
    "ProjectCatalog": ".projects",
    "ProjectSummaryList": ".projects",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
