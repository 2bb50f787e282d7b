"""Which variables of a kernel's namespace hold models, and which could serve as samples."""
from __future__ import annotations

import json
import reprlib

# Known model libraries by top-level module -> the framework name shown to users.
FRAMEWORKS = {
    "sklearn": "scikit-learn",
    "xgboost": "xgboost",
    "lightgbm": "lightgbm",
    "catboost": "catboost",
    "statsmodels": "statsmodels",
    "torch": "pytorch",
    "tensorflow": "tensorflow",
    "keras": "keras",
    "onnxruntime": "onnx",
}
SAMPLE_TYPES = {("pandas", "DataFrame"), ("pandas", "Series"), ("numpy", "ndarray")}
IPYTHON_NAMES = {"In", "Out", "exit", "quit", "get_ipython"}
_short = reprlib.Repr()
_short.maxstring = 80
_short.maxother = 80


def _root(obj) -> str:
    return (type(obj).__module__ or "").split(".")[0]


def _is_model(obj) -> bool:
    if isinstance(obj, type) or callable(obj) and not hasattr(obj, "predict"):
        return False
    predict = getattr(obj, "predict", None)
    return callable(predict) and not isinstance(obj, type)


def _sample_info(name: str, obj) -> dict:
    info = {"name": name, "type": f"{type(obj).__module__}.{type(obj).__name__}"}
    shape = getattr(obj, "shape", None)
    if shape is not None:
        info["shape"] = [int(n) for n in shape]
    columns = getattr(obj, "columns", None)
    if columns is not None:
        info["columns"] = [str(c) for c in list(columns)[:50]]
    return info


def describe(user_ns: dict) -> str:
    """JSON text: ``{"models": [...], "samples": [...]}`` for the variables of ``user_ns``."""
    models, samples = [], []
    for name, obj in list(user_ns.items()):
        if name.startswith("_") or name in IPYTHON_NAMES:
            continue
        try:
            root = _root(obj)
            if (root, type(obj).__name__) in SAMPLE_TYPES:
                samples.append(_sample_info(name, obj))
            elif _is_model(obj) and root not in ("builtins", "IPython", "typing"):
                models.append({
                    "name": name,
                    "type": f"{type(obj).__module__}.{type(obj).__name__}",
                    "framework": FRAMEWORKS.get(root, root or "unknown"),
                    "repr": _short.repr(obj),
                })
        except Exception:  # one odd object must not hide the others
            continue
    models.sort(key=lambda m: m["name"])
    samples.sort(key=lambda s: s["name"])
    return json.dumps({"models": models, "samples": samples})
