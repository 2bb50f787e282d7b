"""Turn a trained model into a self-contained artifact directory, and test it before saving.

    from model_catalog_ext.artifact import prepare, prepare_generic_model, ModelArtifact
    art = prepare(model, "my-artifact", X_sample=X_train[:20], y_sample=y_train[:20])
    art.verify().ok
    art = prepare_model_file("model.joblib", "file-artifact", data_sample=X_train[:20])

This package knows nothing of catalogs, and imports only the standard library up front:
scikit-learn, ONNX, pandas and friends load inside the functions that need them.
"""
from __future__ import annotations

from .model_artifact import ModelArtifact
from .model_file import prepare_model_file
from .prepare import prepare, prepare_generic_model
from .verify import VerificationReport

__all__ = ["ModelArtifact", "VerificationReport", "prepare", "prepare_generic_model",
           "prepare_model_file"]
