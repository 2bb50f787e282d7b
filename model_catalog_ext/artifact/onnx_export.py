"""Convert a model to ONNX and check ONNX Runtime agrees with it on the sample.

scikit-learn trees and forests are written directly (onnx_trees.py), other estimators and
pipelines go through skl2onnx, XGBoost and LightGBM (their scikit-learn API) through
onnxmltools. The result is only used when ONNX Runtime's
predictions on the sample match the original model's within tolerance; otherwise the
caller keeps the pickled model and records :class:`OnnxNotUsed`'s reason.  ONNX Runtime
runs in the standby clean process (clean_process.py), never in the caller's process: a
kernel that prepares a model does not carry onnxruntime afterwards.
"""
from __future__ import annotations

import copy
import importlib.util
import logging
import os
import tempfile
import warnings
from dataclasses import dataclass

from . import clean_process, frameworks, onnx_trees, rendering
from .schema import Column

log = logging.getLogger(__name__)

# Old enough for the ONNX Runtime releases still in use (ADS pins onnxruntime 1.17):
# opset 15 and IR version 8 load everywhere from onnxruntime 1.10 on.
TARGET_OPSET = {"": 15, "ai.onnx.ml": 3}
MAX_IR_VERSION = 8
RTOL, ATOL = 1e-3, 1e-4
# What the standby process imports while the model converts: all the check needs.
PRELOAD = ("numpy", "onnxruntime")
CHECK_TIMEOUT = 120.0
# The reason ends up in model-metadata.json and in warnings: one line, never an array dump
# (skl2onnx puts every node attribute of a forest into some messages: 187,064 characters).
REASON_LIMIT = 300


class OnnxNotUsed(Exception):
    """ONNX conversion was not possible or not faithful; ``str(exc)`` says why."""


def _one_line(text, limit: int) -> str:
    """``text`` on one line (whitespace collapsed), cut to ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


_CAUSE = " (caused by "


def _describe(exc: BaseException) -> str:
    """Exception type and message, plus what caused it (often the real reason: skl2onnx
    wraps a TypeError in a ValueError that lists every attribute of the node)."""
    cause = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    text = _one_line(f"{type(exc).__name__}: {exc}", REASON_LIMIT)
    if cause is not None:
        text += f"{_CAUSE}{_one_line(f'{type(cause).__name__}: {cause}', REASON_LIMIT)})"
    return text


def _shorten(reason: str, limit: int) -> str:
    """One reason in ``limit`` characters: the start of the message, and of its cause."""
    reason = " ".join(reason.split())
    if len(reason) <= limit or _CAUSE not in reason:
        return _one_line(reason, limit)
    head, cause = reason.rsplit(_CAUSE, 1)
    head_room = min(len(head), max(40, limit // 3))
    cause = " " + _one_line(_CAUSE.lstrip() + cause.removesuffix(")"), limit - head_room - 2) + ")"
    return _one_line(head, limit - len(cause)) + cause


_MODES = {"tensor": "as one tensor", "columns": "one input per column"}
_CONVERTER_FAILED = "the converter failed: "


def _reason(attempts: list[tuple[str, str]]) -> str:
    """One line of at most REASON_LIMIT for the failed attempts ``[(mode, reason)]``: a
    reason once when every attempt failed the same way, else each after its input mode."""
    unique: dict[str, str] = {}
    for mode, reason in attempts:
        unique.setdefault(" ".join(reason.split()), mode)
    if len(unique) == 1:
        return _shorten(next(iter(unique)), REASON_LIMIT)
    prefix = _CONVERTER_FAILED if all(r.startswith(_CONVERTER_FAILED) for r in unique) else ""
    parts = [f"{_MODES.get(mode, mode)}: {reason[len(prefix):]}" for reason, mode in unique.items()]
    # Share the room: a short reason leaves what it does not need to the others.
    room, sizes = REASON_LIMIT - len(prefix) - 2 * (len(parts) - 1), {}
    for left, i in enumerate(sorted(range(len(parts)), key=lambda i: len(parts[i]))):
        sizes[i] = min(len(parts[i]), room // (len(parts) - left))
        room -= sizes[i]
    return prefix + "; ".join(_shorten(part, sizes[i]) for i, part in enumerate(parts))


@dataclass
class OnnxModel:
    data: bytes
    input_mode: str  # "tensor" or "columns" (see score_onnx.py.tmpl)
    onnx_input_dtype: str  # numpy dtype of the single tensor input
    features: list  # [{name, dtype, onnx_input, onnx_dtype}]
    max_abs_diff: float  # largest difference seen on the sample (0.0 for labels only)
    converter: str = ""  # what wrote it, with its version: "skl2onnx 1.20.0"


def _numeric(column: Column) -> bool:
    return column.dtype == "bool" or column.dtype.startswith(
        ("int", "uint", "float", "Int", "UInt", "Float")
    )


def _has_column_transformer(model) -> bool:
    name = type(model).__name__
    if name == "ColumnTransformer":
        return True
    for attr in ("steps", "transformer_list", "transformers"):
        for item in getattr(model, attr, None) or []:
            if isinstance(item, tuple) and len(item) >= 2 and _has_column_transformer(item[1]):
                return True
    return False


def _column_onnx_dtype(column: Column) -> str:
    if column.dtype.startswith(("int", "uint", "Int", "UInt")):
        return "int64"
    if column.dtype.startswith(("float", "Float")) or column.dtype == "bool":
        return "float32"
    return "str"


def _convert(model, info, columns: list[Column], mode: str):
    n = len(columns)
    if info.framework == frameworks.SKLEARN:
        from skl2onnx import to_onnx
        from skl2onnx.common import data_types as T
    else:
        from onnxmltools.convert.common import data_types as T
    if mode == "tensor":
        initial_types = [("input", T.FloatTensorType([None, n]))]
    else:
        kinds = {"int64": T.Int64TensorType, "float32": T.FloatTensorType,
                 "str": T.StringTensorType}
        initial_types = [(c.name, kinds[_column_onnx_dtype(c)]([None, 1])) for c in columns]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if info.framework == frameworks.SKLEARN:
            # No options={"zipmap": False}: any options make skl2onnx walk every
            # sub-estimator (each tree of a forest) with dir() -- most of the conversion
            # time. The ZipMap it adds is cut off afterwards instead.
            onx = to_onnx(model, initial_types=initial_types, target_opset=TARGET_OPSET)
            return _strip_zipmap(onx)
        import onnxmltools

        if mode != "tensor":
            raise OnnxNotUsed(f"{info.algorithm} takes one numeric matrix; the sample has non-numeric columns")
        if info.framework == frameworks.XGBOOST:
            model = copy.deepcopy(model)
            # onnxmltools only understands XGBoost's default f0, f1, ... feature names
            model.get_booster().feature_names = None
            return onnxmltools.convert_xgboost(model, initial_types=initial_types,
                                               target_opset=TARGET_OPSET[""])
        extra = {"zipmap": False} if info.use_case_type and "classification" in info.use_case_type else {}
        return onnxmltools.convert_lightgbm(model, initial_types=initial_types,
                                            target_opset=TARGET_OPSET[""], **extra)


def _strip_zipmap(onx):
    """Make the class probabilities a plain [rows, classes] tensor output (the ZipMap's
    input) instead of a sequence of {label: probability} maps."""
    from onnx import helper

    graph = onx.graph
    zipmaps = [n for n in graph.node if n.op_type == "ZipMap"]
    if not zipmaps:
        return onx
    for node in zipmaps:
        source, target = node.input[0], node.output[0]
        graph.node.remove(node)
        for i, out in enumerate(graph.output):
            if out.name == target:
                graph.output.remove(out)
                graph.output.insert(i, helper.make_tensor_value_info(source, 1, [None, None]))
                break
    return onx


def _feeds(input_names: list[str], columns: list[Column], mode: str) -> dict:
    """The sample as ONNX Runtime inputs, named as in the graph (in "columns" mode one input
    per column, in order: skl2onnx renames "sepal length (cm)" to "sepal_length__cm_")."""
    import numpy as np

    if mode == "tensor":
        matrix = np.column_stack([np.asarray(c.values).astype("float32") for c in columns])
        return {input_names[0]: matrix}
    feeds = {}
    for name, c in zip(input_names, columns):
        kind = _column_onnx_dtype(c)
        values = np.asarray(c.values)
        arr = values.astype(str) if kind == "str" else values.astype(kind)
        feeds[name] = arr.reshape(-1, 1)
    return feeds


def _run_onnx(onnx_bytes: bytes, feeds: dict, meanwhile=None) -> list:
    """ONNX Runtime's outputs for ``feeds``, computed in the standby clean process
    (``meanwhile()`` runs here while it computes them)."""
    import numpy as np

    with tempfile.TemporaryDirectory(prefix="model-catalog-onnx-") as tmp:
        model_path = os.path.join(tmp, "model.onnx")
        with open(model_path, "wb") as fh:
            fh.write(onnx_bytes)
        inputs = [os.path.join(tmp, f"input-{i}.npy") for i in range(len(feeds))]
        for path, array in zip(inputs, feeds.values()):
            np.save(path, array)
        request = {"op": "onnx_run", "model": model_path, "names": list(feeds), "inputs": inputs,
                   "outputs": tmp}
        try:
            reply = clean_process.borrow(PRELOAD).request(request, CHECK_TIMEOUT, meanwhile)
        except clean_process.WorkerFailed as exc:
            raise OnnxNotUsed(f"ONNX Runtime could not run the model in a separate process: {exc}") from None
        if "error" in reply:
            raise OnnxNotUsed(f"ONNX Runtime could not run the model: {reply['error']}")
        return [np.load(os.path.join(tmp, f"output-{i}.npy")) for i in range(reply["count"])]


def _compare(model, onnx_bytes: bytes, input_names: list[str], X_sample, columns: list[Column], mode: str,
             info, expected=None) -> float:
    """Largest difference between the model and ONNX Runtime on the sample; raises
    OnnxNotUsed when they disagree."""
    import numpy as np

    classification = bool(info.use_case_type and "classification" in info.use_case_type)
    ours = {}

    def predict():  # the model's side, while ONNX Runtime (usually still loading) does its part
        ours["labels"] = np.asarray(model.predict(X_sample) if expected is None else expected)
        if classification and hasattr(model, "predict_proba"):
            try:
                ours["proba"] = np.asarray(model.predict_proba(X_sample))
            except Exception:  # as if it had no probabilities: only the labels are compared
                pass

    outputs = _run_onnx(onnx_bytes, _feeds(input_names, columns, mode), predict)
    expected = ours["labels"]
    got = np.asarray(outputs[0])
    if got.ndim == 2 and got.shape[1] == 1 and expected.ndim == 1:
        got = got.ravel()
    if got.shape != expected.shape:
        raise OnnxNotUsed(f"ONNX Runtime returned shape {got.shape}, the model {expected.shape}")
    if classification or expected.dtype.kind in "OUSb":
        same = got.astype(str) == expected.astype(str)
        if not same.all():
            return_rows = np.flatnonzero(~same)[:5].tolist()
            raise OnnxNotUsed(
                f"ONNX Runtime predicts other labels than the model on sample rows {return_rows}"
            )
        diff = 0.0
        if len(outputs) > 1 and hasattr(model, "predict_proba"):
            proba = ours["proba"] if "proba" in ours else np.asarray(model.predict_proba(X_sample))
            got_p = np.asarray(outputs[1])
            if got_p.shape == proba.shape:
                diff = float(np.max(np.abs(got_p - proba))) if proba.size else 0.0
                if not np.allclose(got_p, proba, rtol=RTOL, atol=ATOL):
                    raise OnnxNotUsed(
                        f"ONNX Runtime's class probabilities differ from the model's by up to {diff:.3g} "
                        f"(tolerance {ATOL} + {RTOL}*|p|)"
                    )
        return diff
    expected = expected.astype("float64")
    got = got.astype("float64")
    diff = float(np.max(np.abs(got - expected))) if expected.size else 0.0
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    if not np.allclose(got, expected, rtol=RTOL, atol=ATOL * max(1.0, scale)):
        raise OnnxNotUsed(
            f"ONNX Runtime's predictions differ from the model's by up to {diff:.3g} "
            f"(tolerance {RTOL} relative)"
        )
    return diff


def convertible(info) -> bool:
    """Whether a converter exists for this kind of model at all."""
    return info.framework in (frameworks.SKLEARN, frameworks.XGBOOST, frameworks.LIGHTGBM) and not info.is_native_booster


def _converter_name(info, direct: bool) -> str:
    if direct:
        return f"model-catalog-ext {rendering.generator_version()}"
    name = "skl2onnx" if info.framework == frameworks.SKLEARN else "onnxmltools"
    return f"{name} {frameworks.distribution_version(name) or ''}".strip()


def _checked(data: bytes, input_names: list[str], mode: str, model, info, X_sample,
             columns: list[Column], expected, direct: bool = False) -> OnnxModel:
    """An OnnxModel for ``data`` once ONNX Runtime agrees with the model on the sample."""
    if len(input_names) != (1 if mode == "tensor" else len(columns)):
        raise OnnxNotUsed(f"the ONNX model takes {len(input_names)} inputs for {len(columns)} columns")
    diff = _compare(model, data, input_names, X_sample, columns, mode, info, expected)
    features = [
        {"name": c.name, "dtype": c.dtype, "onnx_input": input_names[i if mode == "columns" else 0],
         "onnx_dtype": _column_onnx_dtype(c) if mode == "columns" else "float32"}
        for i, c in enumerate(columns)
    ]
    return OnnxModel(data, mode, "float32", features, diff, _converter_name(info, direct))


def warm_up(model) -> None:
    """Start the standby process that runs the check (returns at once) when a converter may
    exist: it loads ONNX Runtime on the other core while prepare() works, and serves the
    verify() that usually follows if the conversion is not tried after all."""
    framework = frameworks.framework_of(frameworks.final_estimator(model))
    if framework != frameworks.OTHER and importlib.util.find_spec("onnxruntime") is not None:
        clean_process.prime(PRELOAD)


def to_onnx(model, info, X_sample, columns: list[Column], expected=None) -> OnnxModel:
    """Convert and check; raises OnnxNotUsed with the reason when ONNX cannot be used.
    ``expected``: model.predict(X_sample) when the caller already has it."""
    if not convertible(info):
        raise OnnxNotUsed(f"no ONNX converter for {info.framework} {info.algorithm}")
    if X_sample is None:
        raise OnnxNotUsed("no X_sample to check the ONNX model against; pass X_sample")
    if importlib.util.find_spec("onnxruntime") is None:  # it runs in the clean process
        raise OnnxNotUsed("onnxruntime is not installed (pip install 'model-catalog-ext[onnx]')")
    clean_process.prime(PRELOAD)  # usually started already (warm_up)
    all_numeric = all(_numeric(c) for c in columns)
    reasons = []
    # Trees and forests first, written directly: no skl2onnx and onnx to import.
    direct = None
    if info.framework == frameworks.SKLEARN and all_numeric:
        try:
            direct = onnx_trees.write(model, len(columns))
        except Exception as exc:  # a tree in a shape this writer does not expect: skl2onnx's turn
            log.debug("writing the trees as ONNX failed", exc_info=True)
            reasons.append(("tensor", _CONVERTER_FAILED + _describe(exc)))
    if direct is not None:
        try:
            return _checked(direct, [onnx_trees.INPUT], "tensor", model, info, X_sample, columns, expected,
                            direct=True)
        except OnnxNotUsed as exc:
            reasons.append(("tensor", str(exc)))
    try:
        if info.framework == frameworks.SKLEARN:
            import skl2onnx  # noqa: F401
        else:
            import onnxmltools  # noqa: F401
    except ImportError as exc:
        missing = f"{exc.name} is not installed (pip install 'model-catalog-ext[onnx]')"
        raise OnnxNotUsed(_reason(reasons + [("tensor", missing)]) if reasons else missing) from exc
    modes = ["tensor", "columns"] if all_numeric and not _has_column_transformer(model) else ["columns"]
    if info.framework != frameworks.SKLEARN:
        modes = ["tensor"]
    for mode in modes:
        try:
            onx = _convert(model, info, columns, mode)
            if onx.ir_version > MAX_IR_VERSION:
                onx.ir_version = MAX_IR_VERSION
            return _checked(onx.SerializeToString(), [i.name for i in onx.graph.input], mode, model, info,
                            X_sample, columns, expected)
        except OnnxNotUsed as exc:
            reasons.append((mode, str(exc)))
        except Exception as exc:  # converters raise anything from RuntimeError to KeyError
            log.debug("ONNX conversion failed", exc_info=True)  # the whole message, for debugging
            reasons.append((mode, _CONVERTER_FAILED + _describe(exc)))
    raise OnnxNotUsed(_reason(reasons))
