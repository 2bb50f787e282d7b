"""Write a model object to a file: joblib first, cloudpickle for what joblib cannot pickle."""
from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

from ..errors import PrepareError
from . import layout


@dataclass
class Serialized:
    serializer: str  # "joblib" or "cloudpickle"
    file_name: str
    path: Path


def serialize(model, directory: Path, prefer: str = "joblib", file_name: str | None = None) -> Serialized:
    """Pickle ``model`` into ``directory``. ``prefer`` is "joblib" (model.joblib) or
    "cloudpickle" (model.pkl, what ADS's GenericModel writes). Falls back to the other one;
    raises PrepareError when neither can serialize the object."""
    order = ["joblib", "cloudpickle"] if prefer == "joblib" else ["cloudpickle", "joblib"]
    errors = []
    for serializer in order:
        name = file_name or (layout.JOBLIB_MODEL if serializer == "joblib" else layout.PICKLE_MODEL)
        path = Path(directory) / name
        try:
            if serializer == "joblib":
                import joblib

                joblib.dump(model, path)
            else:
                import cloudpickle

                with open(path, "wb") as fh:
                    cloudpickle.dump(model, fh)
        except (pickle.PicklingError, TypeError, AttributeError, ValueError) as exc:
            path.unlink(missing_ok=True)
            errors.append(f"{serializer}: {type(exc).__name__}: {exc}")
            continue
        return Serialized(serializer, name, path)
    raise PrepareError(
        f"No serializer can save a {type(model).__module__}.{type(model).__qualname__} "
        f"({'; '.join(errors)}). Make the object picklable (drop open files, locks, "
        "sessions or generators it holds, or define __getstate__/__setstate__), or save the "
        "model your own way and use prepare_generic_model() with a score.py whose "
        "load_model() loads it.",
        model_type=f"{type(model).__module__}.{type(model).__qualname__}",
        errors=errors,
    )
