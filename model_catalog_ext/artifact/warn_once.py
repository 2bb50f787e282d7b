"""Each warning once per call: prepare() predicts on the sample more than once (the model,
then its ONNX check), and scikit-learn repeats itself each time -- "X has feature names, but
RandomForestClassifier was fitted without feature names" twice in the user's notebook."""
from __future__ import annotations

import functools
import os
import sys
import warnings
from types import FrameType


def warn_once(function):
    """Run ``function`` collecting its warnings, then warn each distinct one once, from the
    caller's line (the user's filters apply as usual)."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        caught: list = []
        try:
            with warnings.catch_warnings(record=True) as recording:
                warnings.simplefilter("always")
                try:
                    return function(*args, **kwargs)
                finally:
                    caught = list(recording)
        finally:  # the caller's filters are back: they decide what shows
            _warn_distinct(caught)

    return wrapper


def _warn_distinct(caught) -> None:
    seen = set()
    level = _first_frame_outside_package()
    for w in caught:
        key = (w.category, str(w.message))
        if key not in seen:
            seen.add(key)
            warnings.warn(w.message, w.category, stacklevel=level)


def _first_frame_outside_package() -> int:
    """The stacklevel of the user's own line: the first caller outside model_catalog_ext."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    frame: FrameType | None = sys._getframe(1)
    level = 1  # level 1: the function calling warnings.warn
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level
