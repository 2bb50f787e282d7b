"""Write a model object to a file: joblib first, cloudpickle for what joblib cannot pickle.

Classes and functions defined in a notebook or script live in ``__main__``; joblib (plain
pickle) stores them by reference, so the file would only load in the process that wrote
it.  Such models go to cloudpickle, which stores those definitions by value."""
from __future__ import annotations

import pickle
import pickletools
from dataclasses import dataclass
from pathlib import Path

from ..errors import PrepareError
from . import layout


@dataclass
class Serialized:
    serializer: str  # "joblib" or "cloudpickle"
    file_name: str
    path: Path


def refers_to_main(obj) -> bool:
    """Whether pickling ``obj`` would refer to something defined in ``__main__``.

    A dry run of pickle with out-of-band buffers (array data is not copied), scanning the
    stream for the module name; False when plain pickle cannot handle the object at all."""
    try:
        stream = pickle.dumps(obj, protocol=5, buffer_callback=lambda buffer: None)
    except Exception:  # noqa: BLE001 - joblib will fail too and cloudpickle takes over
        return False
    if b"__main__" not in stream:
        return False
    return any(arg == "__main__" for _, arg, _ in pickletools.genops(stream))


def serialize(model, directory: Path, prefer: str = "joblib", file_name: str | None = None) -> Serialized:
    """Pickle ``model`` into ``directory``. ``prefer`` is "joblib" (model.joblib) or
    "cloudpickle" (model.pkl, what ADS's GenericModel writes). Falls back to the other one;
    raises PrepareError when neither can serialize the object."""
    order = ["joblib", "cloudpickle"] if prefer == "joblib" else ["cloudpickle", "joblib"]
    if order[0] == "joblib" and refers_to_main(model):
        order = ["cloudpickle"]
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
