"""prepare() and prepare_generic_model(): a model object (or nothing) in, an artifact dir out."""
from __future__ import annotations

import json
import logging
import math
import pprint
import re
import warnings
from pathlib import Path

from ..errors import PrepareError
from . import fn_folder, frameworks, layout, metadata, rendering, requirements, runtime_yaml, schema
from .fitted import refuse_unfitted
from .metadata_views import check_use_case_type
from .model_artifact import ModelArtifact
from .staging import Staging
from .warn_once import warn_once

log = logging.getLogger(__name__)


def _json_value(value):
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas' missing values: pd.NA, pd.NaT
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _data_sample(columns: list[schema.Column], named: bool) -> list:
    """The sample in a form score.predict() accepts: records when named, else rows."""
    n = min(len(columns[0].values), layout.DATA_SAMPLE_MAX_ROWS) if columns else 0
    rows = [[_json_value(c.values[i]) for c in columns] for i in range(n)]
    if named:
        names = [c.name for c in columns]
        return [dict(zip(names, row)) for row in rows]
    return rows


def _check_columns(info: frameworks.FrameworkInfo, columns: list[schema.Column], named: bool) -> None:
    """A sample whose columns do not match what the model was fitted on is refused."""
    if info.feature_names is not None and named:
        given = [c.name for c in columns]
        expected = info.feature_names
        if info.framework == frameworks.LIGHTGBM:  # LightGBM stores names with "_" for blanks
            given = [re.sub(r"\s", "_", n) for n in given]
        if given != expected:
            missing = [n for n in info.feature_names if n not in given]
            extra = [n for n in given if n not in info.feature_names]
            detail = (f"missing {missing}, unexpected {extra}" if missing or extra
                      else "same names in another order")
            raise PrepareError(
                f"X_sample's columns do not match the model's features ({detail}). The model "
                f"was fitted on {info.feature_names}; pass a sample with exactly these columns "
                "in this order (e.g. X_sample = X_train[:10]).",
                expected=info.feature_names, got=given,
            )
    if info.n_features is not None and len(columns) != info.n_features:
        raise PrepareError(
            f"X_sample has {len(columns)} column(s) but the model was fitted on "
            f"{info.n_features} feature(s). Pass a sample of the training data (e.g. X_train[:10]).",
            expected=info.n_features, got=len(columns),
        )


def _predict_sample(model, X_sample, info=None):
    try:
        if info is not None and info.framework == frameworks.XGBOOST and info.is_native_booster:
            import xgboost  # a native Booster predicts on a DMatrix only, as score.py does

            return model.predict(xgboost.DMatrix(X_sample))
        return model.predict(X_sample)
    except Exception as exc:
        if type(exc).__name__ == "NotFittedError":  # scikit-learn's: no sample can help
            raise PrepareError(f"The model is not fitted yet ({exc}). Fit it (model.fit(X, y)), then "
                               "prepare it.") from exc
        raise PrepareError(
            f"model.predict(X_sample) raised {type(exc).__name__}: {exc}. Pass a sample shaped "
            "like the data the model was trained on (same columns, same types).",
        ) from exc


def _classes(model):
    final = frameworks.final_estimator(model)
    classes = getattr(final, "classes_", None)
    if classes is None:
        classes = getattr(model, "classes_", None)
    return list(classes) if classes is not None else None


def _score_features(columns) -> str:
    features = []
    for c in columns:
        feature = {"name": c.name, "dtype": c.dtype}
        if c.categories is not None:
            feature.update(categories=c.categories, ordered=c.ordered)
        features.append(feature)
    return pprint.pformat(features, width=96, sort_dicts=False)


def wants_dataframe(info: frameworks.FrameworkInfo, named: bool) -> bool:
    """Whether score.py hands the model a DataFrame (else a numpy array): when the sample had
    column names and the model was fitted on named columns -- or is of a kind we cannot ask
    (a class of the user's own, fitted on a DataFrame as far as we know, may select columns
    by name; an array would break it where a DataFrame breaks nothing)."""
    return named and (info.feature_names is not None or info.framework == frameworks.OTHER)


def _pickle_score(serialized, info, columns, use_dataframe: bool) -> str:
    if serialized.serializer == "joblib":
        body = ("    import joblib\n\n"
                "    with open(path, \"rb\") as fh:\n"
                "        return joblib.load(fh)")
    elif serialized.serializer == "pickle":
        body = ("    import pickle\n\n"
                "    with open(path, \"rb\") as fh:\n"
                "        return pickle.load(fh)")
    else:
        body = ("    import cloudpickle\n\n"
                "    with open(path, \"rb\") as fh:\n"
                "        return cloudpickle.load(fh)")
    if info.framework == frameworks.XGBOOST and info.is_native_booster:
        predict_call = "model.predict(__import__(\"xgboost\").DMatrix(X))"
    elif hasattr_predict(info):
        predict_call = "model.predict(X)"
    else:
        predict_call = "model(X)"
    return rendering.render(
        "score_pickle.py.tmpl",
        MODEL_FILE=serialized.file_name,
        SERIALIZER=serialized.serializer,
        FEATURES=_score_features(columns) if columns else "[]",
        USE_DATAFRAME="True" if use_dataframe else "False",
        LOAD_BODY=body,
        PREDICT_CALL=predict_call,
    )


def _model_modules(model, model_file) -> set[str]:
    """What loading the model file imports: the object's own modules, and every module its
    pickle names (base classes of a class pickled by value, say), read without unpickling."""
    from .model_format import modules_needed

    needed = modules_needed(model_file) or set()
    return set(requirements.modules_of_object(model)) | {m.split(".", 1)[0] for m in needed if m != "__main__"}


def hasattr_predict(info) -> bool:
    return info.algorithm != "<callable>"


def _score_requirements(score_text: str, model_modules=(), extra=()) -> list[str]:
    modules = requirements.imports_of_source(score_text) | set(model_modules)
    return requirements.requirements_for(modules, extra)


def _write_common(stage: Path, target: Path, *, score_text: str, req_lines: list[str],
                  input_schema, output_schema, sample, fn: bool, runtime_text: str,
                  doc: dict, files: list[str]) -> None:
    (stage / layout.SCORE_PY).write_text(score_text)
    (stage / layout.REQUIREMENTS_TXT).write_text(requirements.render(
        req_lines, "What score.py and the model file import, pinned to the versions the\n"
                   "artifact was prepared with (model-catalog-ext)."))
    (stage / layout.RUNTIME_YAML).write_text(runtime_text)
    (stage / layout.MODEL_IGNORE).write_text(rendering.render("model-ignore.tmpl"))
    files += [layout.SCORE_PY, layout.REQUIREMENTS_TXT, layout.RUNTIME_YAML, layout.MODEL_IGNORE]
    for name, doc_ in ((layout.INPUT_SCHEMA, input_schema), (layout.OUTPUT_SCHEMA, output_schema)):
        if doc_ is not None:
            (stage / name).write_text(json.dumps(doc_, indent=2))
            files.append(name)
    if sample is not None:
        (stage / layout.DATA_SAMPLE).write_text(json.dumps(sample))
        files.append(layout.DATA_SAMPLE)
    if fn:
        files += fn_folder.write(stage, target.name, req_lines)
    files.append(layout.METADATA_FILE)
    doc.setdefault("preparation", {})["files"] = sorted(files)
    doc["generator"] = f"model-catalog-ext {rendering.generator_version()}"
    doc["environment"] = runtime_yaml.environment()
    metadata.write(stage, doc)


def _provenance(training_script_path, artifact_dir) -> dict | None:
    """Git provenance of the training script: the one given, else this kernel's notebook or
    the script run as ``python train.py``; none when neither is known (the current
    directory says nothing about the model)."""
    try:
        from ..provenance import capture_provenance, find_training_script

        if training_script_path is None:
            training_script_path = find_training_script()
        if training_script_path is None:
            return None

        return capture_provenance(training_script_path=training_script_path,
                                  artifact_dir=None, ignore_pending_changes=True)
    except Exception as exc:  # provenance is informative here; save() enforces the rules
        log.debug("provenance not captured: %s", exc)
        return None


def _record_provenance(doc: dict, training_script_path, target: Path) -> None:
    """Put the git provenance of the training script (if any) into the metadata document."""
    prov = _provenance(training_script_path, target)
    if prov is not None:
        doc["provenance"] = prov


def _runtime_text(target: Path, inference_conda_env, inference_python_version) -> str:
    """runtime.yaml's text."""
    return runtime_yaml.render(runtime_yaml.build(str(target), inference_conda_env=inference_conda_env,
                                                  inference_python_version=inference_python_version))


@warn_once
def prepare(model, artifact_dir, X_sample=None, y_sample=None, as_onnx=None,
            fn_artifact_files_included: bool = False, force_overwrite: bool = False, *,
            use_case_type: str | None = None, inference_conda_env: str | None = None,
            inference_python_version: str | None = None, training_script_path: str | None = None,
            capture_git: bool = True, data_science_env: bool = False) -> ModelArtifact:
    """Turn a trained model into a self-contained artifact directory and return it.

    Detects the framework (scikit-learn estimators and pipelines, XGBoost, LightGBM; any
    other picklable object is pickled with a generic score.py). With ``as_onnx`` None (try)
    or True, converts to ONNX and keeps the ONNX model only when ONNX Runtime predicts the
    same as the model on ``X_sample``; otherwise keeps joblib and records why
    (``art.preparation["onnx_fallback_reason"]``, and a warning when ONNX was asked for).
    Writes score.py, requirements.txt (installed versions of what the artifact imports),
    runtime.yaml, input/output_schema.json, data-sample.json, .model-ignore and, with
    ``fn_artifact_files_included``, fn-folder/.

    Raises TargetNotEmpty for a non-empty ``artifact_dir`` unless ``force_overwrite``, and
    PrepareError (nothing written) when the sample does not fit the model, the model is not
    fitted, or nothing can serialize it.  ADS's ``data_science_env`` is accepted: runtime.yaml
    always describes the environment the artifact was prepared in.
    """
    if model is None:
        raise PrepareError("prepare() needs a model object; use prepare_generic_model() "
                           "to write a score.py template without one.")
    if as_onnx is not False and X_sample is not None:
        from . import onnx_export

        onnx_export.warm_up(model)  # first: ONNX Runtime loads on the other core meanwhile
    info = frameworks.detect(model)
    refuse_unfitted(model)  # without a sample, nothing else would notice
    if not callable(getattr(model, "predict", None)):
        if not callable(model):
            raise PrepareError(
                f"{type(model).__qualname__} has no predict() method and is not callable, so a "
                "generated score.py cannot use it. Wrap it in an object with predict(X), or "
                "use prepare_generic_model() and write load_model()/predict() yourself.",
            )
        info.algorithm = "<callable>"
    if use_case_type:
        info.use_case_type = check_use_case_type(use_case_type)
    staging = Staging(artifact_dir, force_overwrite)  # refuses a non-empty target up front
    target = staging.target
    want_onnx = as_onnx is not False

    columns: list[schema.Column] = []
    named, prediction = False, None
    if type(X_sample).__name__ == "DMatrix":
        raise PrepareError("Pass X_sample as a DataFrame or an array of a few training rows, not an "
                           "xgboost DMatrix: the artifact keeps it as JSON.")
    if X_sample is not None:
        columns, named = schema.columns_of(X_sample)
        if not columns:
            raise PrepareError("X_sample has no columns. Pass a few rows of the training data.")
        _check_columns(info, columns, named)
        if info.algorithm != "<callable>":
            prediction = _predict_sample(model, X_sample, info)
        else:
            prediction = model(X_sample)

    input_schema = schema.schema_from_columns(columns) if columns else None
    output_schema = None
    out_columns = _output_columns(prediction, y_sample)
    if out_columns:
        output_schema = schema.schema_from_columns(out_columns, classes=_classes(model))
    sample = _data_sample(columns, named) if columns else None

    doc = {"defined_metadata": info.defined_metadata(), "preparation": {}}
    prep = doc["preparation"]
    if capture_git:
        _record_provenance(doc, training_script_path, target)
    # Before the ONNX check, which waits for the standby process: done in that time.
    runtime_text = _runtime_text(target, inference_conda_env, inference_python_version)
    onnx_model, reason = None, None
    if want_onnx:
        from . import onnx_export

        try:
            onnx_model = onnx_export.to_onnx(model, info, X_sample, columns, prediction)
        except onnx_export.OnnxNotUsed as exc:
            reason = str(exc)
        if onnx_model is None and as_onnx:
            warnings.warn(f"ONNX not used, the model is saved with joblib instead: {reason}",
                          stacklevel=2)

    with staging as stage:
        stage_dir = stage.path
        assert stage_dir is not None  # inside the with, the stage exists
        files: list[str] = []
        if onnx_model is not None:
            (stage_dir / layout.ONNX_MODEL).write_bytes(onnx_model.data)
            files.append(layout.ONNX_MODEL)
            score_text = rendering.render(
                "score_onnx.py.tmpl",
                MODEL_FILE=layout.ONNX_MODEL,
                FEATURES=pprint.pformat(onnx_model.features, width=96, sort_dicts=False),
                INPUT_MODE=onnx_model.input_mode,
                ONNX_INPUT_DTYPE=onnx_model.onnx_input_dtype,
            )
            req_lines = _score_requirements(score_text)
            prep.update(serializer="onnx", model_file=layout.ONNX_MODEL,
                        onnx_max_abs_diff=onnx_model.max_abs_diff, onnx_converter=onnx_model.converter)
        else:
            from .serializers import serialize

            serialized = serialize(model, stage_dir, prefer="joblib")
            files.append(serialized.file_name)
            score_text = _pickle_score(serialized, info, columns, wants_dataframe(info, named))
            req_lines = _score_requirements(score_text, _model_modules(model, serialized.path),
                                            [serialized.serializer])
            prep.update(serializer=serialized.serializer, model_file=serialized.file_name)
            if want_onnx:
                prep["onnx_fallback_reason"] = reason
        _write_common(stage_dir, target, score_text=score_text, req_lines=req_lines,
                      input_schema=input_schema, output_schema=output_schema, sample=sample,
                      fn=fn_artifact_files_included, runtime_text=runtime_text,
                      doc=doc, files=files)
    return ModelArtifact(target)


def _output_columns(prediction, y_sample) -> list | None:
    """The columns of output_schema.json.  They describe what score.py returns -- the model's
    predictions on X_sample, when there are any, under y_sample's column names -- not
    y_sample's own values: a regressor fitted on whole numbers returns floats, and a native
    Booster class probabilities, and verify() checks the output against this schema."""
    source = prediction if prediction is not None else y_sample
    if source is None:
        return None
    try:
        out_columns, _ = schema.columns_of(source, default_prefix="prediction")
    except (ValueError, TypeError):
        if source is y_sample or y_sample is None:
            raise
        # A callable's answer that is no table (a dict, say): y_sample describes it at least.
        out_columns, _ = schema.columns_of(y_sample, default_prefix="prediction")
    names = None
    if y_sample is not None and _named_series(y_sample):
        names = [c.name for c in schema.columns_of(y_sample)[0]]
    if names and len(names) == len(out_columns):
        for column, name in zip(out_columns, names):
            column.name = name
    elif len(out_columns) == 1:
        out_columns[0].name = "prediction"
    return out_columns


def _named_series(y) -> bool:
    return schema._is_pandas(y, "Series") and y.name is not None or schema._is_pandas(y, "DataFrame")


@warn_once
def prepare_generic_model(artifact_dir, model=None, data_sample=None, force_overwrite: bool = False,
                          fn_artifact_files_included: bool = False, *, X_sample=None, y_sample=None,
                          model_file_name: str | None = None, use_case_type: str | None = None,
                          inference_conda_env: str | None = None,
                          inference_python_version: str | None = None,
                          training_script_path: str | None = None,
                          capture_git: bool = True, data_science_env: bool = False) -> ModelArtifact:
    """The ADS generic-model approach: write score.py (load_model(), predict(data,
    model=load_model()) and the _handle_input/_handle_output hooks to edit), requirements.txt,
    runtime.yaml and .model-ignore; with ``model``, also the model pickled with cloudpickle
    (``model.pkl``, like ADS's GenericModel) and a score.py that already works; with
    ``data_sample`` (a DataFrame, array or list of rows), input_schema.json and
    data-sample.json (``X_sample`` is ADS 2.x's name for it). Without a model, edit
    load_model() in score.py, then reload()/verify().

    Without ``model``, a folder that holds only your saved model file (as in ADS's guide:
    ``joblib.dump(model, path + "/model.onnx")``, then ``prepare_generic_model(path)``)
    needs no ``force_overwrite``: the artifact is written around that file, which is never
    replaced or removed, and score.py loads it as its bytes say it was saved (ONNX, joblib,
    pickle or cloudpickle), whatever its name; loading a pickle runs its code, so do this
    with your own files only.  ``model_file_name`` names that file when the folder holds
    others.  ADS's ``data_science_env`` is accepted: runtime.yaml always
    describes the environment the artifact was prepared in.
    """
    if isinstance(model, bool) or isinstance(data_sample, str):
        # ADS's positional order is (model_path, fn_artifact_files_included, fn_name,
        # force_overwrite, model, ...): its calls would land on the wrong arguments here.
        raise PrepareError(
            "prepare_generic_model() takes (artifact_dir, model, data_sample, force_overwrite, "
            "fn_artifact_files_included); ADS's order differs. Pass the arguments by name, e.g. "
            "prepare_generic_model(path, model=clf, data_sample=X[:5], force_overwrite=True).")
    if X_sample is not None:
        if data_sample is not None:
            raise PrepareError("Pass the sample once: data_sample and X_sample are the same argument.")
        data_sample = X_sample
    use_case_type = check_use_case_type(use_case_type) if use_case_type else use_case_type
    if model is None:
        from .model_file import prepare_around_model_file, users_model_file

        users_file = users_model_file(artifact_dir, model_file_name)
        if users_file is not None:
            return prepare_around_model_file(
                artifact_dir, users_file, data_sample=data_sample, force_overwrite=force_overwrite,
                fn_artifact_files_included=fn_artifact_files_included, y_sample=y_sample,
                training_script_path=training_script_path, use_case_type=use_case_type,
                inference_conda_env=inference_conda_env, inference_python_version=inference_python_version,
                capture_git=capture_git)
    staging = Staging(artifact_dir, force_overwrite)
    target = staging.target
    doc: dict[str, dict] = {"defined_metadata": {}, "preparation": {}}
    columns: list[schema.Column] = []
    named = False
    if data_sample is not None:
        columns, named = schema.columns_of(data_sample)
    input_schema = schema.schema_from_columns(columns) if columns else None
    sample = _data_sample(columns, named) if columns else None
    output_schema = None
    info = None
    if model is not None:
        info = frameworks.detect(model)
        refuse_unfitted(model)
        if use_case_type:
            info.use_case_type = use_case_type
        doc["defined_metadata"] = info.defined_metadata()
        if columns:
            _check_columns(info, columns, named)
        prediction = None
        if columns and callable(getattr(model, "predict", None)):
            prediction = _predict_sample(model, data_sample)
        out_columns = _output_columns(prediction, y_sample)
        if out_columns:
            output_schema = schema.schema_from_columns(out_columns, classes=_classes(model))
        if not callable(getattr(model, "predict", None)):
            if not callable(model):
                raise PrepareError(
                    f"{type(model).__qualname__} has no predict() method and is not callable. "
                    "Call prepare_generic_model() without model= and write load_model()/"
                    "predict() in score.py yourself.")
            info.algorithm = "<callable>"
    elif use_case_type:
        doc["defined_metadata"]["UseCaseType"] = use_case_type
    if capture_git:
        _record_provenance(doc, training_script_path, target)
    runtime_text = _runtime_text(target, inference_conda_env, inference_python_version)
    with staging as stage:
        assert stage.path is not None  # inside the with, the stage exists
        files: list[str] = []
        if model is not None:
            assert info is not None  # detected above, for the model
            from .serializers import serialize

            serialized = serialize(model, stage.path, prefer="cloudpickle",
                                   file_name=model_file_name)
            files.append(serialized.file_name)
            score_text = _pickle_score(serialized, info, columns, wants_dataframe(info, named))
            req_lines = _score_requirements(score_text, _model_modules(model, serialized.path),
                                            [serialized.serializer])
            doc["preparation"].update(serializer=serialized.serializer,
                                      model_file=serialized.file_name)
        else:
            score_text = rendering.render("score_generic.py.tmpl",
                                          MODEL_FILE=model_file_name or layout.PICKLE_MODEL)
            req_lines = _score_requirements(score_text)
            doc["preparation"].update(serializer=None, model_file=model_file_name)
        _write_common(stage.path, target, score_text=score_text, req_lines=req_lines,
                      input_schema=input_schema, output_schema=output_schema, sample=sample,
                      fn=fn_artifact_files_included, runtime_text=runtime_text,
                      doc=doc, files=files)
    return ModelArtifact(target)
