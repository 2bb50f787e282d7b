"""Recognise what a model object is: framework, version, algorithm, hyperparameters, use case.

Detection looks at the class's module path only, so nothing heavy is imported to ask.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

# ADS's Framework values (ads.model.model_metadata.Framework) for the ones we convert.
SKLEARN = "scikit-learn"
XGBOOST = "xgboost"
LIGHTGBM = "lightgbm"
OTHER = "other"

_DISTRIBUTION = {SKLEARN: "scikit-learn", XGBOOST: "xgboost", LIGHTGBM: "lightgbm"}


@dataclass
class FrameworkInfo:
    """What :func:`detect` found out about a model object."""

    framework: str  # SKLEARN, XGBOOST, LIGHTGBM or OTHER
    framework_version: str | None
    algorithm: str  # class name of the (final) estimator
    hyperparameters: dict = field(default_factory=dict)
    use_case_type: str | None = None  # ADS UseCaseType value, when it can be told
    is_native_booster: bool = False  # xgboost.Booster / lightgbm.Booster, not the sklearn API
    feature_names: list[str] | None = None  # what the model was fitted on, when it says
    n_features: int | None = None

    def defined_metadata(self) -> dict:
        """The taxonomy part of ADS defined metadata."""
        return {
            "Framework": self.framework,
            "FrameworkVersion": self.framework_version,
            "Algorithm": self.algorithm,
            "Hyperparameters": self.hyperparameters,
            "UseCaseType": self.use_case_type,
        }


def _root_module(obj) -> str:
    return (type(obj).__module__ or "").split(".", 1)[0]


def distribution_version(distribution: str) -> str | None:
    import importlib.metadata

    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def final_estimator(model):
    """The last step of a scikit-learn Pipeline (recursively), else the model itself."""
    steps = getattr(model, "steps", None)
    while isinstance(steps, list) and steps:
        model = steps[-1][1]
        steps = getattr(model, "steps", None)
    return model


def framework_of(model) -> str:
    for cls in type(model).__mro__:
        root = (cls.__module__ or "").split(".", 1)[0]
        if root == "xgboost":
            return XGBOOST
        if root == "lightgbm":
            return LIGHTGBM
    for cls in type(model).__mro__:
        if (cls.__module__ or "").split(".", 1)[0] == "sklearn":
            return SKLEARN
    return OTHER


def _json_safe(value, depth: int = 0):
    """Hyperparameters as JSON: nested estimators become their class name; NaN and infinities
    (SimpleImputer's missing_values=nan) their repr, since JSON has no such numbers."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)) and depth < 3:
        return [_json_safe(v, depth + 1) for v in value]
    if isinstance(value, dict) and depth < 3:
        return {str(k): _json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, type):  # before .item(): numpy's scalar types have it unbound
        return value.__name__
    if hasattr(value, "item") and not hasattr(value, "__len__"):  # numpy scalar
        return _json_safe(value.item(), depth)
    if hasattr(value, "get_params"):
        return type(value).__name__
    return repr(value)


def _hyperparameters(model) -> dict:
    getter = getattr(model, "get_params", None)
    if getter is None:
        return {}
    try:
        params = getter()  # deep, as ADS records them: a pipeline step's C shows as step__C
    except Exception:  # a half-implemented estimator; not worth failing prepare over
        return {}
    safe = {str(k): _json_safe(v) for k, v in params.items()}
    json.dumps(safe)  # _json_safe guarantees this; fail here rather than in a writer
    return safe


def _use_case(model, final) -> str | None:
    classes = getattr(final, "classes_", None)
    if classes is None:
        classes = getattr(model, "classes_", None)
    if classes is not None:
        return "binary_classification" if len(classes) == 2 else "multinomial_classification"
    estimator_type = getattr(final, "_estimator_type", None)
    tags = getattr(final, "__sklearn_tags__", None)
    if estimator_type is None and tags is not None:
        try:
            estimator_type = tags().estimator_type
        except Exception:
            estimator_type = None
    if estimator_type == "regressor":
        return "regression"
    if estimator_type == "clusterer":
        return "clustering"
    return None


def detect(model) -> FrameworkInfo:
    """Identify ``model``: scikit-learn estimators and pipelines, XGBoost, LightGBM, or other."""
    framework = framework_of(final_estimator(model))
    if framework == OTHER:
        framework = framework_of(model)
    final = final_estimator(model)
    native = framework in (XGBOOST, LIGHTGBM) and type(model).__name__ == "Booster"
    names = getattr(model, "feature_names_in_", None)
    if names is None and native:
        names = getattr(model, "feature_names", None) or (
            model.feature_name() if framework == LIGHTGBM else None
        )
    n_features = getattr(model, "n_features_in_", None)
    if n_features is None and native:
        n_features = model.num_features() if hasattr(model, "num_features") else None
    return FrameworkInfo(
        framework=framework,
        framework_version=distribution_version(_DISTRIBUTION[framework]) if framework != OTHER else None,
        algorithm=type(final).__name__,
        hyperparameters=_hyperparameters(model),
        use_case_type=_use_case(model, final),
        is_native_booster=native,
        feature_names=[str(n) for n in names] if names is not None else None,
        n_features=int(n_features) if n_features is not None else None,
    )
