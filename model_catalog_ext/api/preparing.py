"""``prepare`` and ``prepare_generic_model`` as the API hands them out: the artifact layer's
functions, returning the API's ModelArtifact, so ``prepare(...).save(...)`` works as the
ADS guide writes it (the artifact layer itself knows nothing of catalogs)."""
from __future__ import annotations

import functools

from .. import artifact as _artifact
from .artifact import ModelArtifact


def _savable(prepare_function):
    @functools.wraps(prepare_function)
    def wrapper(*args, **kwargs) -> ModelArtifact:
        return ModelArtifact(prepare_function(*args, **kwargs).artifact_dir)

    return wrapper


prepare = _savable(_artifact.prepare)
prepare_generic_model = _savable(_artifact.prepare_generic_model)
