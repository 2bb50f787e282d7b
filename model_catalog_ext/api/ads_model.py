"""``ADSModel``: the wrapper ADS's model-catalog guide trains with, over our ``prepare``.

    rf_model = ADSModel.from_estimator(rf_clf)
    artifact = rf_model.prepare(path, X_sample=X[:10], y_sample=y[:10])
    rf_model.predict(X)

It holds the estimator and hands ``prepare()`` the guide's arguments; there is no AutoML
and no ADS dataset here.
"""
from __future__ import annotations

from ..errors import PrepareError
from .unsupported import refuse_unsupported

# Deep-learning frameworks ADSModel does not wrap (ADS has its own model classes for them).
_NOT_WRAPPED = {"keras": "Keras", "tensorflow": "TensorFlow", "tf_keras": "Keras", "torch": "PyTorch"}


class ADSModel:
    """A trained scikit-learn, XGBoost or LightGBM estimator (or any object with
    ``predict``), prepared into an artifact with :meth:`prepare`."""

    def __init__(self, est, name: str | None = None):
        self.est = est
        self.name = name or type(est).__name__

    @classmethod
    def from_estimator(cls, est, transformer_pipeline=None, client=None, overwrite=None, action=None,
                       name: str | None = None, classes=None) -> ADSModel:
        """Wrap a fitted estimator.  ADS's transformer_pipeline, client, overwrite, action and
        classes are not supported (NotImplementedError)."""
        refuse_unsupported("ADSModel.from_estimator()", {
            "transformer_pipeline": transformer_pipeline, "client": client, "overwrite": overwrite,
            "action": action, "classes": classes})
        root = (type(est).__module__ or "").split(".", 1)[0]
        if root in _NOT_WRAPPED:
            raise PrepareError(
                f"ADSModel wraps scikit-learn, XGBoost and LightGBM estimators, not {_NOT_WRAPPED[root]} "
                f"models ({type(est).__qualname__}). Use prepare_generic_model(path, model=...) for it.")
        if not callable(getattr(est, "predict", None)):
            raise PrepareError(
                f"ADSModel.from_estimator() needs an estimator with a predict() method; "
                f"{type(est).__qualname__} has none. Pass the fitted model (e.g. RandomForestClassifier().fit(X, y)).")
        return cls(est, name=name)

    def __repr__(self) -> str:
        return f"ADSModel({self.name}: {self.est!r})"

    # --- the estimator's own answers ----------------------------------------------------
    def predict(self, X):
        """The estimator's predictions for ``X``."""
        return self.est.predict(X)

    def predict_proba(self, X):
        """Class probabilities for ``X`` (classifiers only)."""
        if not callable(getattr(self.est, "predict_proba", None)):
            raise AttributeError(f"{type(self.est).__name__} has no predict_proba(): it is not a "
                                 "probabilistic classifier.")
        return self.est.predict_proba(X)

    def score(self, X, y):
        """The estimator's own score on (X, y)."""
        return self.est.score(X, y)

    @property
    def classes_(self):
        """The estimator's ``classes_`` (None for a regressor), as scikit-learn names them."""
        return getattr(self.est, "classes_", None)

    # --- the artifact -------------------------------------------------------------------
    def prepare(self, target_dir, data_sample=None, X_sample=None, y_sample=None, include_data_sample=None,
                force_overwrite: bool = False, fn_artifact_files_included: bool = False, fn_name=None,
                inference_conda_env: str | None = None, data_science_env: bool = False,
                ignore_deployment_error=None, use_case_type: str | None = None,
                inference_python_version: str | None = None, imputed_values=None, **kwargs):
        """Prepare the artifact in ``target_dir`` with :func:`model_catalog_ext.prepare` and
        return it (a ModelArtifact you can ``verify()`` and ``save()``).

        ``data_sample`` is a table of features (used as ``X_sample``) or an object with
        ``.X`` and ``.y`` (as ADS's datasets have).  ``data_science_env`` is accepted:
        runtime.yaml always describes the environment the model was prepared in.  ADS's
        fn_name, ignore_deployment_error, imputed_values and include_data_sample (the
        sample is always kept) are not supported; other keyword arguments go to prepare()
        (as_onnx, training_script_path ...).
        """
        refuse_unsupported("ADSModel.prepare()", {
            "fn_name": fn_name, "ignore_deployment_error": ignore_deployment_error,
            "imputed_values": imputed_values or None, "include_data_sample": include_data_sample},
            {"include_data_sample": True, "fn_name": "model_api", "ignore_deployment_error": False})
        if data_sample is not None:
            if X_sample is not None:
                raise PrepareError("Pass the sample once: data_sample or X_sample, not both.")
            if hasattr(data_sample, "X") and hasattr(data_sample, "y"):
                X_sample, y_sample = data_sample.X, (y_sample if y_sample is not None else data_sample.y)
            else:
                X_sample = data_sample
        from .preparing import prepare

        return prepare(self.est, target_dir, X_sample=X_sample, y_sample=y_sample,
                       fn_artifact_files_included=fn_artifact_files_included, force_overwrite=force_overwrite,
                       use_case_type=use_case_type, inference_conda_env=inference_conda_env,
                       inference_python_version=inference_python_version, data_science_env=data_science_env,
                       **kwargs)
