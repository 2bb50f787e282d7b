"""Refuse a scikit-learn-style estimator that was never fitted, with or without a sample.

Unfitted, ``RandomForestClassifier()`` pickles, loads and saves fine, and fails only on its
first ``predict()`` -- in someone else's notebook, long after the save.  Without a sample,
prepare() never calls predict(), so it asks the estimator itself (scikit-learn's
``check_is_fitted``, which XGBoost's and LightGBM's scikit-learn classes answer too).
"""
from __future__ import annotations

import sys

from ..errors import PrepareError

_LIBRARIES = ("sklearn", "xgboost", "lightgbm")


def _library_estimator(model) -> bool:
    """Whether the (final) estimator is a library's own: a class of the user's may keep no
    fitted state at all (a stateless ``fit``), which check_is_fitted would take for unfitted."""
    from .frameworks import final_estimator

    return (type(final_estimator(model)).__module__ or "").split(".", 1)[0] in _LIBRARIES


def is_unfitted(model) -> bool:
    """True for a scikit-learn, XGBoost or LightGBM estimator (pipelines ending in one too)
    that says it is not fitted."""
    if "sklearn" not in sys.modules:  # a model of no scikit-learn kind: nothing to ask
        return False
    from sklearn.base import BaseEstimator
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    if not isinstance(model, BaseEstimator) or not _library_estimator(model):
        return False
    try:
        check_is_fitted(model)
    except NotFittedError:
        return True
    except Exception:  # an estimator check_is_fitted cannot judge: predict() will tell
        return False
    return False


def refuse_unfitted(model, what: str = "The model") -> None:
    """PrepareError naming the estimator when it was never fitted."""
    if is_unfitted(model):
        name = type(model).__name__
        raise PrepareError(
            f"{what} ({name}) is not fitted yet, so the artifact could not predict anything. "
            f"Fit it first (e.g. {name}(...).fit(X_train, y_train)), then prepare it.",
            estimator=name)
