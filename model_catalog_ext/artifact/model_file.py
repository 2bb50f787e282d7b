"""prepare_model_file(): a serialized model already on disk (.onnx, .joblib, .pkl) in, an
artifact dir out -- what the file browser's "Save model file to catalog..." needs."""
from __future__ import annotations

import importlib.util
import json
import os
import pprint
import shutil
import sys
import uuid
from pathlib import Path

from ..errors import PrepareError
from . import frameworks, layout, metadata, rendering, schema
from .fitted import refuse_unfitted
from .model_artifact import ModelArtifact
from .prepare import (
    _check_columns,
    _classes,
    _data_sample,
    _model_modules,
    _output_columns,
    _pickle_score,
    _predict_sample,
    _record_provenance,
    _runtime_text,
    _score_requirements,
    _write_common,
    wants_dataframe,
)
from .serializers import Serialized
from .staging import Staging

# suffix -> how score.py loads it
FORMATS = {".onnx": "onnx", ".joblib": "joblib", ".pkl": "cloudpickle", ".pickle": "cloudpickle"}
ONNX = "onnx"

# onnxruntime's element type names -> numpy dtypes ("str": object array of strings)
_ORT_TYPES = {
    "tensor(float)": "float32", "tensor(double)": "float64", "tensor(float16)": "float16",
    "tensor(int8)": "int8", "tensor(int16)": "int16", "tensor(int32)": "int32",
    "tensor(int64)": "int64", "tensor(uint8)": "uint8", "tensor(uint16)": "uint16",
    "tensor(uint32)": "uint32", "tensor(uint64)": "uint64", "tensor(bool)": "bool",
    "tensor(string)": "str",
}


def _supported() -> str:
    return ", ".join(FORMATS)


def _literal(text: str) -> str:
    """``text`` escaped for a double-quoted Python string in a template (JSON escapes are
    valid Python escapes)."""
    return json.dumps(text)[1:-1]


def prepare_model_file(model_file, artifact_dir, data_sample=None, force_overwrite: bool = False,
                       fn_artifact_files_included: bool = False, *, y_sample=None,
                       training_script_path: str | None = None,
                       use_case_type: str | None = None,
                       inference_conda_env: str | None = None,
                       inference_python_version: str | None = None) -> ModelArtifact:
    """Build a complete artifact around a model file that already exists and return it.

    ``model_file`` is copied into ``artifact_dir`` under its own name, next to a score.py
    that loads it as its suffix says: ``.onnx`` with an ONNX Runtime InferenceSession (the
    input names, shapes and types are read from the model itself, so it works with or
    without a sample), ``.joblib`` with joblib.load, ``.pkl`` / ``.pickle`` with
    cloudpickle.load (joblib.load when the file turns out to be a joblib dump). Also writes
    requirements.txt (installed versions of what score.py and the model import),
    runtime.yaml, .model-ignore, model-metadata.json (defined metadata: Framework detected
    from the loaded object -- scikit-learn, xgboost, lightgbm, other -- or "onnx",
    Algorithm, Hyperparameters when the object has get_params()) and, with
    ``fn_artifact_files_included``, fn-folder/. With ``data_sample`` (a DataFrame, array or
    list of rows): input_schema.json, data-sample.json and output_schema.json from
    predicting the sample through the loaded model (``y_sample`` replaces that prediction).

    Like prepare(): raises TargetNotEmpty for a non-empty ``artifact_dir`` unless
    ``force_overwrite`` (then only the files written here change; others stay), builds in a
    temporary sibling and renames it into place, so a failure leaves nothing behind. An
    unknown suffix, a missing or unreadable file, or a sample the model rejects raise
    PrepareError saying what is supported and what to do.

    SECURITY: loading a .joblib / .pkl file unpickles it, which runs whatever code the file
    contains. Use this only on your own files, or files from people you trust. (The server
    calls it only on files in the user's own Jupyter file tree, as that user.)
    """
    source = Path(model_file).expanduser().absolute()
    suffix = source.suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise PrepareError(
            f"{source.name} is not a model file this can package (supported: {_supported()}). "
            "Save the model in one of these formats (joblib.dump(model, 'model.joblib'), "
            "cloudpickle, or an ONNX export), or use prepare() with the model object.",
            path=str(source), supported=list(FORMATS),
        )
    if not source.is_file():
        raise PrepareError(
            f"{source} does not exist or is not a file. Pass the path of the saved model file.",
            path=str(source),
        )
    staging = Staging(artifact_dir, force_overwrite)  # refuses a non-empty target up front
    return _build(source, fmt, staging, in_place=False, data_sample=data_sample, y_sample=y_sample,
                  fn_artifact_files_included=fn_artifact_files_included,
                  training_script_path=training_script_path, use_case_type=use_case_type,
                  inference_conda_env=inference_conda_env, inference_python_version=inference_python_version)


def users_model_file(artifact_dir, model_file_name=None) -> str | None:
    """The name of the user's own model file that ``prepare_generic_model(artifact_dir)``
    prepares the artifact around, or None: the only file in the folder (a model saved
    there, as ADS's guide does, in a format told from its bytes), the one named
    ``model_file_name`` if it is there, or the one an earlier such preparation recorded."""
    from .model_format import sniff

    folder = Path(artifact_dir).expanduser()
    if not folder.is_dir():
        return None
    recorded = (metadata.read(folder).get("preparation") or {})
    if model_file_name is None and recorded.get("user_model_file"):
        model_file_name = recorded.get("model_file")
    if model_file_name is None:
        entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
        if len(entries) != 1:
            return None
        model_file_name = entries[0].name
    path = folder / model_file_name
    if path.is_symlink() or not path.is_file() or sniff(path) is None:
        return None
    return path.name


def prepare_around_model_file(artifact_dir, file_name: str, data_sample=None, force_overwrite: bool = False,
                              fn_artifact_files_included: bool = False, *, y_sample=None,
                              training_script_path=None, use_case_type=None, inference_conda_env=None,
                              inference_python_version=None, capture_git: bool = True) -> ModelArtifact:
    """The artifact written around the model file ``file_name`` already in ``artifact_dir``,
    which is never replaced or removed; score.py loads it in the format its bytes are in.
    Loading a pickle runs its code: this is for the user's own files."""
    from .model_format import sniff

    source = Path(artifact_dir).expanduser().absolute() / file_name
    fmt = sniff(source)
    if fmt is None:  # users_model_file() found a model file there: it was replaced since
        raise PrepareError(
            f"{source} is no longer a model file this can package (supported: {_supported()}). "
            "Save the model there again and call prepare_generic_model() again.",
            path=str(source), supported=list(FORMATS),
        )
    staging = Staging(source.parent, force_overwrite, keep={file_name})
    return _build(source, fmt, staging, in_place=True, data_sample=data_sample, y_sample=y_sample,
                  fn_artifact_files_included=fn_artifact_files_included,
                  training_script_path=training_script_path, use_case_type=use_case_type,
                  inference_conda_env=inference_conda_env, inference_python_version=inference_python_version,
                  capture_git=capture_git)


def _build(source: Path, fmt: str, staging: Staging, *, in_place: bool, data_sample, y_sample,
           fn_artifact_files_included, training_script_path, use_case_type, inference_conda_env,
           inference_python_version, capture_git: bool = True) -> ModelArtifact:
    target = staging.target
    doc = {"defined_metadata": {}, "preparation": {"user_model_file": True} if in_place
           else {"source_file": str(source)}}
    if capture_git:
        _record_provenance(doc, training_script_path, target)
    runtime_text = _runtime_text(target, inference_conda_env, inference_python_version)
    with staging as stage:
        assert stage.path is not None  # inside the with, the stage exists
        copy = stage.path / source.name
        try:
            if in_place:  # only for checking score.py in the stage: a link costs nothing
                try:
                    os.link(source, copy)
                except OSError:
                    shutil.copyfile(source, copy)
            else:
                shutil.copyfile(source, copy)
        except OSError as exc:
            raise PrepareError(f"{source} cannot be read ({exc.strerror or exc}). Check the "
                               "file's permissions and try again.", path=str(source)) from exc
        files = [] if in_place else [source.name]  # the user's own file is not ours to replace
        if fmt == ONNX:
            parts = _onnx_parts(copy, source, data_sample, y_sample, stage.path)
        else:
            parts = _pickle_parts(copy, source, fmt, data_sample, y_sample)
        info_meta = parts.pop("defined_metadata")
        if use_case_type:
            info_meta["UseCaseType"] = use_case_type
        doc["defined_metadata"] = info_meta
        doc["preparation"].update(parts.pop("preparation"))
        _write_common(stage.path, target, runtime_text=runtime_text, doc=doc, files=files,
                      fn=fn_artifact_files_included, **parts)
    return ModelArtifact(target)


# -- pickles (.joblib, .pkl) ------------------------------------------------------------------

def _load_pickle(path: Path, source: Path, fmt: str):
    """(object, serializer) from a joblib or (cloud)pickle file; PrepareError when unreadable."""
    order = ["joblib"] if fmt == "joblib" else ["pickle"] if fmt == "pickle" else ["cloudpickle", "joblib"]
    errors = []
    for serializer in order:
        try:
            if serializer == "joblib":
                import joblib

                return joblib.load(path), "joblib"
            if serializer == "pickle":  # told from its bytes: a plain pickle
                import pickle

                with open(path, "rb") as fh:
                    return pickle.load(fh), "pickle"
            import cloudpickle

            with open(path, "rb") as fh:
                obj = cloudpickle.load(fh)
            if type(obj).__module__.startswith("joblib."):  # a joblib dump named .pkl
                raise ValueError("a joblib file")
            return obj, "cloudpickle"
        except ModuleNotFoundError as exc:
            raise PrepareError(
                f"{source.name} needs the Python module {exc.name!r}, which is not installed "
                "in this environment. Install the packages the model was trained with (e.g. "
                f"pip install {exc.name}) and try again.",
                path=str(source), module=exc.name,
            ) from exc
        except Exception as exc:  # unpickling raises anything: EOFError, UnpicklingError, ...
            errors.append(f"{serializer}: {type(exc).__name__}: {exc}")
    raise PrepareError(
        f"{source.name} cannot be loaded as a {'joblib' if fmt == 'joblib' else 'pickle'} "
        f"file ({'; '.join(errors)}). Check that it is a complete file saved with "
        f"{'joblib.dump' if fmt == 'joblib' else 'pickle/cloudpickle.dump'}, and that its "
        f"suffix matches how it was saved (supported: {_supported()}).",
        path=str(source), errors=errors,
    )


def _output_schema(prediction, y_sample, classes=None):
    out_columns = _output_columns(prediction, y_sample)
    return schema.schema_from_columns(out_columns, classes=classes) if out_columns else None


def _pickle_parts(path: Path, source: Path, fmt: str, data_sample, y_sample) -> dict:
    model, serializer = _load_pickle(path, source, fmt)
    info = frameworks.detect(model)
    refuse_unfitted(model, f"The model in {source.name}")
    if not callable(getattr(model, "predict", None)):
        if not callable(model):
            raise PrepareError(
                f"{source.name} holds a {type(model).__module__}.{type(model).__qualname__}, "
                "which has no predict() method and is not callable, so a generated score.py "
                "cannot use it. Save the fitted model itself (not a dict or a wrapper around "
                "it), or use prepare_generic_model() and write load_model()/predict() yourself.",
                path=str(source), model_type=type(model).__qualname__,
            )
        info.algorithm = "<callable>"
    columns: list[schema.Column] = []
    named = False
    if data_sample is not None:
        columns, named = schema.columns_of(data_sample)
        if not columns:
            raise PrepareError("data_sample has no columns. Pass a few rows of the training data.")
        try:
            _check_columns(info, columns, named)
        except PrepareError as exc:  # worded for prepare(); here the argument is data_sample
            raise PrepareError(exc.message.replace("X_sample", "data_sample"),
                               **exc.details) from None
    prediction = None
    if columns:
        prediction = (_predict_sample(model, data_sample) if info.algorithm != "<callable>"
                      else model(data_sample))
    score_text = _pickle_score(Serialized(serializer, _literal(source.name), path), info,
                               columns, wants_dataframe(info, named))
    req_lines = _score_requirements(score_text, _model_modules(model, path),
                                    [serializer] if serializer != "pickle" else [])  # pickle: stdlib
    return {
        "score_text": score_text, "req_lines": req_lines,
        "input_schema": schema.schema_from_columns(columns) if columns else None,
        "output_schema": _output_schema(prediction, y_sample, _classes(model)),
        "sample": _data_sample(columns, named) if columns else None,
        "defined_metadata": info.defined_metadata(),
        "preparation": {"serializer": serializer, "model_file": source.name},
    }


# -- ONNX -----------------------------------------------------------------------------------------

def _onnx_session(path: Path, source: Path):
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise PrepareError("onnxruntime is not installed, so the ONNX model cannot be loaded. "
                           "pip install onnxruntime and try again.") from exc
    options = ort.SessionOptions()
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), sess_options=options,
                                    providers=["CPUExecutionProvider"])
    except Exception as exc:  # InvalidProtobuf, Fail, NoSuchFile ...
        raise PrepareError(
            f"{source.name} cannot be loaded by ONNX Runtime ({type(exc).__name__}: "
            f"{str(exc).strip()[:500]}). Check that it is a complete ONNX model saved as one "
            "file (onnx.save(model, path, save_as_external_data=False)) and that its opset "
            f"is supported by the installed onnxruntime (supported files: {_supported()}).",
            path=str(source),
        ) from exc


def _onnx_graph_facts(path: Path, source: Path) -> dict:
    """Algorithm, use case, class labels, producer, opsets, from the graph (onnx package,
    when installed); refuses weights kept in external files, which would not be copied."""
    try:
        import onnx
    except ImportError:
        return {}
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception:  # ONNX Runtime already read it; these facts are only informative
        return {}
    external = [t.name for t in model.graph.initializer
                if t.data_location == onnx.TensorProto.EXTERNAL]
    if external:
        raise PrepareError(
            f"{source.name} keeps its weights in separate files ({len(external)} tensor(s), "
            f"e.g. {external[0]!r}), which would not be in the artifact. Save it as one file "
            "(onnx.save(model, path, save_as_external_data=False)) and try again.",
            path=str(source),
        )
    facts: dict = {
        "producer": " ".join(filter(None, [model.producer_name, model.producer_version])) or None,
        "opsets": {(o.domain or "ai.onnx"): o.version for o in model.opset_import},
        "ir_version": model.ir_version,
    }
    ml_nodes = [n for n in model.graph.node if n.domain == "ai.onnx.ml"]
    head = next((n for n in ml_nodes if n.op_type.endswith(("Classifier", "Regressor"))), None)
    if head is not None:
        facts["algorithm"] = head.op_type
        labels = None
        for attr in head.attribute:
            if attr.name == "classlabels_int64s" and attr.ints:
                labels = list(attr.ints)
            elif attr.name == "classlabels_strings" and attr.strings:
                labels = [s.decode("utf-8") for s in attr.strings]
        if head.op_type.endswith("Classifier"):
            facts["classes"] = labels
            n = len(labels) if labels else 0
            facts["use_case_type"] = ("binary_classification" if n == 2
                                      else "multinomial_classification" if n > 2 else None)
        else:
            facts["use_case_type"] = "regression"
    else:
        facts["algorithm"] = model.graph.name or None
    return facts


def _onnx_inputs(session) -> list[dict]:
    return [{"name": i.name, "type": i.type, "dtype": _ORT_TYPES.get(i.type),
             "shape": [d if isinstance(d, int) else None for d in (i.shape or [])]}
            for i in session.get_inputs()]


def _onnx_layout(inputs: list[dict], columns, named: bool, source: Path):
    """How score.py feeds the model: ("tensor", dtype, features) for one [rows, k] input,
    ("columns", None, features) for one [rows, 1] input per feature, else ("inputs", ...)."""
    def width_error(k):
        return PrepareError(
            f"data_sample has {len(columns)} column(s) but {source.name} takes {k} feature(s) "
            f"(input {inputs[0]['name']!r}, shape {inputs[0]['shape']}). Pass a sample of the "
            "data the model was trained on (same columns, same order).",
            expected=k, got=len(columns),
        )

    tabular = all(i["dtype"] and len(i["shape"]) == 2 for i in inputs)
    if tabular and len(inputs) == 1:
        spec = inputs[0]
        k = spec["shape"][1]
        if columns and k is not None and len(columns) != k:
            raise width_error(k)
        if columns:
            return "tensor", spec["dtype"], [{"name": c.name, "dtype": c.dtype} for c in columns]
        if k is not None:
            return "tensor", spec["dtype"], [{"name": f"feature_{j}", "dtype": spec["dtype"]}
                                             for j in range(k)]
    elif tabular and all(i["shape"][1] == 1 for i in inputs):
        names = [i["name"] for i in inputs]
        if columns:
            given = [c.name for c in columns]
            if named and set(given) != set(names):
                raise PrepareError(
                    f"data_sample's columns {given} do not match the inputs of {source.name} "
                    f"({names}). Pass a sample with one column per model input, named like it.",
                    expected=names, got=given,
                )
            if not named:
                if len(columns) != len(names):
                    raise width_error(len(names))
                for c, name in zip(columns, names):
                    c.name = name
            by_name = {c.name: c for c in columns}
            columns[:] = [by_name[n] for n in names]
        dtypes = {c.name: c.dtype for c in columns}
        return "columns", None, [{"name": i["name"], "dtype": dtypes.get(i["name"], i["dtype"]),
                                  "onnx_input": i["name"], "onnx_dtype": i["dtype"]}
                                 for i in inputs]
    return "inputs", None, None


def _run_score(stage: Path, data):
    """Import the staged score.py (outside sys.modules, no bytecode written) and predict."""
    spec = importlib.util.spec_from_file_location(f"_score_check_{uuid.uuid4().hex}",
                                                  stage / layout.SCORE_PY)
    assert spec is not None and spec.loader is not None  # a .py path always has a loader
    module = importlib.util.module_from_spec(spec)
    write_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
        return module.predict(data)
    finally:
        sys.dont_write_bytecode = write_bytecode


def _onnx_parts(path: Path, source: Path, data_sample, y_sample, stage: Path) -> dict:
    session = _onnx_session(path, source)
    facts = _onnx_graph_facts(path, source)
    inputs = _onnx_inputs(session)
    del session
    columns: list[schema.Column] = []
    named = False
    if data_sample is not None:
        try:
            columns, named = schema.columns_of(data_sample)
        except ValueError:  # images, sequences: no table, no input schema
            columns, named = [], False
    mode, dtype, features = _onnx_layout(inputs, columns, named, source)
    if mode == "inputs":
        score_text = rendering.render("score_onnx_inputs.py.tmpl",
                                      MODEL_FILE=_literal(source.name))
    else:
        score_text = rendering.render(
            "score_onnx.py.tmpl",
            MODEL_FILE=_literal(source.name),
            FEATURES=pprint.pformat(features, width=96, sort_dicts=False),
            INPUT_MODE=mode,
            ONNX_INPUT_DTYPE=dtype or "float32",
        )
    # score.py is checked now, while it can still be thrown away
    (stage / layout.SCORE_PY).write_text(score_text)
    sample, prediction = None, None
    if data_sample is not None:
        if columns:
            sample = _data_sample(columns, named)
        else:
            sample = _raw_sample(data_sample)
        try:
            result = _run_score(stage, data_sample)
        except Exception as exc:
            raise PrepareError(
                f"{source.name} could not predict data_sample ({type(exc).__name__}: "
                f"{str(exc).strip()[:500]}). The model takes {_describe(inputs)}; pass a "
                "sample shaped like that (e.g. a few rows of the training data).",
                inputs=inputs,
            ) from exc
        prediction = result.get("prediction") if isinstance(result, dict) else result
    try:
        output_schema = _output_schema(prediction, y_sample, facts.get("classes"))
    except ValueError:  # not a table (e.g. a tensor per row)
        output_schema = None
    import importlib.metadata

    try:
        version = importlib.metadata.version("onnxruntime")
    except importlib.metadata.PackageNotFoundError:
        version = None
    defined: dict = {
        "Framework": ONNX,
        "FrameworkVersion": version,
        "Algorithm": facts.get("algorithm") or "onnx",
        "Hyperparameters": {},
        "UseCaseType": facts.get("use_case_type"),
    }
    prep = {"serializer": ONNX, "model_file": source.name, "onnx_input_mode": mode,
            "onnx_inputs": inputs}
    for key in ("producer", "opsets", "ir_version"):
        if facts.get(key) is not None:
            prep[f"onnx_{key}"] = facts[key]
    return {
        "score_text": score_text, "req_lines": _score_requirements(score_text),
        "input_schema": schema.schema_from_columns(columns) if columns else None,
        "output_schema": output_schema, "sample": sample,
        "defined_metadata": defined, "preparation": prep,
    }


def _raw_sample(data_sample):
    """The first rows of a non-tabular sample as JSON (a dict: per input name)."""
    import numpy as np

    def rows(values):
        return np.asarray(values)[:layout.DATA_SAMPLE_MAX_ROWS].tolist()

    if isinstance(data_sample, dict):
        return {str(k): rows(v) for k, v in data_sample.items()}
    return rows(data_sample)


def _describe(inputs: list[dict]) -> str:
    return ", ".join(f"{i['name']!r} ({i['type']}, shape "
                     f"{['rows' if d is None and j == 0 else d for j, d in enumerate(i['shape'])]})"
                     for i in inputs)
