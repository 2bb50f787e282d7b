"""The clean-process half of ``ModelArtifact.verify()``.

Run as a script by a fresh interpreter, so it must import nothing but the standard library:
the artifact's own ``score.py`` brings whatever else it needs, and finding that out is the
point. Two ways to run it:

- ``python -I verify_worker.py ARTIFACT_DIR DATA RESULT``: verify once and exit;
- ``python -I verify_worker.py --serve REPLY_FD PRELOAD IDLE_TIMEOUT [OWN_DIR]``: a standby
  (see clean_process.py) that imports the comma-separated PRELOAD modules, then answers
  JSON requests read from stdin on REPLY_FD -- any number of ``onnx_run`` (run a model with
  ONNX Runtime on given inputs) and at most one ``verify``, after which it waits to be
  stopped. When its parent goes away (stdin closes) or it idles for IDLE_TIMEOUT seconds,
  it removes its temporary folder OWN_DIR and exits.

A verification writes a JSON report to RESULT:
``{"checks": [{"name", "ok", "message"}, ...], "prediction": ..., "timings": {...}}``.
"""
from __future__ import annotations

import ast
import importlib.machinery
import importlib.util
import json
import os
import re
import select
import shutil
import sys
import time
import traceback

REQUIRED_FILES = ("score.py", "runtime.yaml")
_REQ_LINE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*?)\s*(?:#.*)?$")
_CHECK_TYPES = {
    "int": (int,),
    "uint": (int,),
    "float": (int, float),
    "bool": (bool,),
}


def _check(report, name, ok, message):
    report["checks"].append({"name": name, "ok": bool(ok), "message": message})
    return ok


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def check_files(artifact_dir: str, report: dict) -> bool:
    missing = [f for f in REQUIRED_FILES if not os.path.isfile(os.path.join(artifact_dir, f))]
    if missing:
        return _check(
            report, "files", False,
            f"Missing {' and '.join(missing)} in {artifact_dir}. Run prepare()/prepare_generic_model() "
            f"to write {'it' if len(missing) == 1 else 'them'}, or add "
            f"{'it' if len(missing) == 1 else 'them'} by hand (score.py needs load_model() and predict()).",
        )
    return _check(report, "files", True, "score.py and runtime.yaml are present")


def _requirements_module():
    """requirements.py (standard library only), loaded by path: in a verification venv
    model_catalog_ext itself is not installed."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "requirements.py")
    spec = importlib.util.spec_from_file_location("_model_catalog_requirements", path)
    assert spec is not None and spec.loader is not None  # a .py path always has a loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _model_format_module():
    """model_format.py (standard library only), loaded by path like requirements.py."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "model_format.py")
    spec = importlib.util.spec_from_file_location("_model_catalog_model_format", path)
    assert spec is not None and spec.loader is not None  # a .py path always has a loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pickled_modules(artifact_dir: str) -> dict[str, set[str]]:
    """file name -> top-level modules it needs, for each pickle (joblib, cloudpickle) file at
    the top of the artifact, read opcode by opcode: nothing is unpickled."""
    fmt = _model_format_module()
    found = {}
    for name in sorted(os.listdir(artifact_dir)):
        path = os.path.join(artifact_dir, name)
        if name.startswith(".") or not os.path.isfile(path):
            continue
        modules = fmt.modules_needed(path)
        if modules:
            found[name] = {m.split(".", 1)[0] for m in modules}
    return found


def unlisted_pickle_modules(artifact_dir: str, listed: set[str]) -> list[str]:
    """One message per pickled model file needing modules no listed distribution provides
    (loading it anywhere else would fail with ModuleNotFoundError)."""
    reqs = _requirements_module()
    local = _modules_in_folder(artifact_dir)
    provided = None
    problems = []
    for name, modules in pickled_modules(artifact_dir).items():
        missing = []
        for module in sorted(modules):
            if module in ("__main__", "__builtin__") or reqs.is_stdlib(module) or module in local \
                    or module.startswith("_"):
                continue
            if any(_normalize(d) in listed for d in reqs.usual_distributions(module)):
                continue
            if provided is None:
                provided = set().union(*(reqs.modules_of_distribution(n) for n in listed))
            if module not in provided:
                missing.append(module)
        if missing:
            lines = []
            for module in missing:
                dist = reqs.usual_distributions(module)[0]
                version = installed_version(dist)
                lines.append(f"{dist}=={version}" if version else dist)
            problems.append(
                f"{name} is a pickle that needs {', '.join(repr(m) for m in missing)} to load, which nothing in "
                f"requirements.txt provides: add {', '.join(lines)} to requirements.txt.")
    return problems


def _modules_in_folder(folder: str) -> set[str]:
    """Modules and packages score.py can import from the artifact folder itself."""
    suffixes = tuple(importlib.machinery.all_suffixes())
    found = set()
    for entry in os.listdir(folder):
        if os.path.isdir(os.path.join(folder, entry)):
            found.add(entry)  # a package, or a namespace package
        elif entry.endswith(suffixes):
            found.add(entry.split(".", 1)[0])
    return found


def _unlisted_import(module: str, artifact_dir: str, reqs) -> str:
    """What to do about a module score.py imports that requirements.txt does not cover."""
    pins = reqs.pinned(reqs.distributions_of(module))
    if pins:
        fix = pins[0] if len(pins) == 1 else "one of " + ", ".join(pins)
        return f"score.py imports {module!r} but requirements.txt does not list it: add {fix}."
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    origin = getattr(spec, "origin", None) if spec is not None else None
    if origin and os.path.isabs(origin):
        source = os.path.dirname(origin) if os.path.basename(origin) == "__init__.py" else origin
        return (f"score.py imports {module!r}, which is importable here from {source} but comes from "
                f"no installed distribution, so it cannot be pip-installed where the model runs: copy "
                f"it into the artifact folder {artifact_dir}.")
    return (f"score.py imports {module!r}, which is neither in the artifact folder nor installed here. "
            f"If it is your own code (for example {module}.py next to your notebook), copy that file "
            f"into {artifact_dir}: it cannot be pip-installed. If it is a package, install it and add "
            "it to requirements.txt.")


def unlisted_imports(artifact_dir: str, listed: set[str]) -> list[str]:
    """One message per third-party module score.py imports (at module level or inside a
    function, unless guarded by ``except ImportError``) that no distribution listed in
    requirements.txt provides and that is not in the artifact folder."""
    try:
        with open(os.path.join(artifact_dir, "score.py"), "rb") as fh:
            source = fh.read()
        reqs = _requirements_module()
        modules = reqs.imports_of_source(source, skip_optional=True)
    except (OSError, SyntaxError, ValueError):
        return []  # the import check says what is wrong with score.py
    local = _modules_in_folder(artifact_dir)
    provided = None  # modules of the listed distributions: read only when a name does not match
    problems = []
    for module in sorted(modules):
        if reqs.is_stdlib(module) or module in local:
            continue
        if any(_normalize(d) in listed for d in reqs.usual_distributions(module)):
            continue
        if provided is None:
            provided = set().union(*(reqs.modules_of_distribution(name) for name in listed))
        if module not in provided:
            problems.append(_unlisted_import(module, artifact_dir, reqs))
    return problems


_dist_info_versions: dict[str, str] | None = None  # normalized name -> version


def _versions_from_dist_info() -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in names:
            if folder.endswith(".dist-info") and "-" in folder:
                dist, version = folder[:-len(".dist-info")].split("-", 1)
                found.setdefault(_normalize(dist), version)  # the first on sys.path wins
    return found


def installed_version(name: str) -> str | None:
    """The installed version of distribution ``name``, None when it is not installed.

    Read from the name of its ``<name>-<version>.dist-info`` folder on sys.path, as pip
    writes it; importlib.metadata (which reads the same folders) only for what that does
    not find, because importing it takes 25 ms of a standby's start-up."""
    global _dist_info_versions
    if _dist_info_versions is None:
        _dist_info_versions = _versions_from_dist_info()
    version = _dist_info_versions.get(_normalize(name))
    if version:
        return version
    import importlib.metadata

    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def check_requirements(artifact_dir: str, report: dict) -> bool:
    path = os.path.join(artifact_dir, "requirements.txt")
    if not os.path.isfile(path):
        return _check(report, "requirements", True, "no requirements.txt: nothing to check")
    problems, listed = [], set()
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            line = raw.strip()
            if not line or line.startswith(("#", "-")):
                continue
            line = line.split(";", 1)[0]  # environment markers: out of scope here
            match = _REQ_LINE.match(line)
            if not match:
                continue
            name, spec = match.group(1), match.group(2).strip()
            listed.add(_normalize(name))
            installed = installed_version(name)
            if installed is None:
                problems.append(f"{name} is not installed (pip install '{name}{spec}')")
                continue
            if spec.startswith("==") and "*" not in spec:
                wanted = spec[2:].strip()
                if installed != wanted:
                    problems.append(f"{name}=={wanted} is required but {installed} is installed")
    messages = []
    if problems:
        messages.append("; ".join(problems) + ". Install the artifact's requirements "
                        "(pip install -r requirements.txt) or verify with use_venv=True.")
    # An edited score.py may import what prepare() never saw: it would fail where it is deployed.
    messages.extend(unlisted_imports(artifact_dir, listed))
    messages.extend(unlisted_pickle_modules(artifact_dir, listed))  # the model file needs its classes too
    if messages:
        return _check(report, "requirements", False, " ".join(messages))
    return _check(report, "requirements", True,
                  f"{len(listed)} requirement(s) installed; they cover what score.py imports")


def import_score(artifact_dir: str, report: dict):
    path = os.path.join(artifact_dir, "score.py")
    try:
        with open(path, "rb") as fh:
            source = fh.read()
        ast.parse(source, filename=path)
    except SyntaxError as exc:
        _check(
            report, "import", False,
            f"score.py has a syntax error at line {exc.lineno}: {exc.msg}. Fix score.py and "
            "call reload()/verify() again.",
        )
        return None
    spec = importlib.util.spec_from_file_location("score", path)
    assert spec is not None and spec.loader is not None  # a .py path always has a loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["score"] = module
    try:
        spec.loader.exec_module(module)
    except ModuleNotFoundError as exc:
        mismatch = _version_mismatch(exc, artifact_dir)
        if mismatch:  # a package that is there, in another version than the model file's
            _check(report, "import", False, f"importing score.py (its load_model() runs then) raised "
                                            f"ModuleNotFoundError: {exc}{mismatch}")
            return None
        _check(
            report, "import", False,
            f"score.py imports {exc.name!r}, which is not installed here. If it is a package, "
            "add it to requirements.txt and install it; if it is your own module, copy it into "
            f"the artifact folder. ({exc})",
        )
        return None
    except SystemExit as exc:
        _exited(report, "import", exc, "it was being imported (this includes load_model() run by "
                "predict()'s default argument)")
        return None
    except Exception as exc:
        _check(
            report, "import", False,
            f"importing score.py raised {type(exc).__name__}: {exc} (this includes "
            f"load_model() run by predict()'s default argument).\n{_tail()}",
        )
        return None
    missing = [f for f in ("load_model", "predict") if not callable(getattr(module, f, None))]
    if missing:
        _check(
            report, "import", False,
            f"score.py has no {' or '.join(missing)}(): define load_model() and "
            "predict(data, model=load_model()).",
        )
        return None
    _check(report, "import", True, "score.py imported")
    return module


def _exited(report, name: str, exc: SystemExit, during: str) -> None:
    """score.py tried to end the process: report it as a failed check rather than letting
    the process die. The parent appends what score.py printed (``exit_code`` marks it)."""
    report["checks"].append({
        "name": name, "ok": False, "exit_code": exc.code,
        "message": f"score.py (or code it calls) called sys.exit({exc.code!r}) while {during}. "
                   "A scoring script must not exit the process: remove that call, or raise an "
                   "exception instead."})


def _tail(limit: int = 8) -> str:
    lines = traceback.format_exc().rstrip().splitlines()
    return "\n".join(lines[-limit:])


def _scalar_ok(value, dtype: str) -> bool:
    if value is None:
        return True
    for prefix, types in _CHECK_TYPES.items():
        if dtype.startswith(prefix):
            return isinstance(value, types) and (prefix == "bool" or not isinstance(value, bool))
    if dtype in ("object", "str", "string", "category"):
        return isinstance(value, (str, int, float, bool))
    return True


def _allowed_values(feature: dict):
    for constraint in (feature.get("domain") or {}).get("constraints") or []:
        expr = str(constraint.get("expression", "")).strip()
        if expr.startswith("$x in "):
            try:
                return ast.literal_eval(expr[len("$x in "):])
            except (ValueError, SyntaxError):
                return None
    return None


def check_output_schema(prediction, output_schema, n_rows, report: dict) -> bool:
    """The output matches output_schema.json: row count, value types, allowed values."""
    if not output_schema or not output_schema.get("schema"):
        return _check(report, "output_schema", True, "no output schema: nothing to compare")
    features = output_schema["schema"]
    values = prediction.get("prediction") if isinstance(prediction, dict) else prediction
    if isinstance(prediction, dict) and "prediction" not in prediction:
        return _check(
            report, "output_schema", False,
            f"predict() returned keys {sorted(prediction)}; expected a 'prediction' entry "
            "as described by output_schema.json.",
        )
    if not isinstance(values, list):
        values = [values]
    problems = []
    if n_rows is not None and len(values) != n_rows:
        problems.append(f"{len(values)} predictions for {n_rows} input rows")
    if len(features) == 1:
        feature = features[0]
        dtype = str(feature.get("dtype", ""))
        flat = [v[0] if isinstance(v, list) and len(v) == 1 else v for v in values]
        bad = [v for v in flat if not _scalar_ok(v, dtype)]
        if bad:
            problems.append(f"values {bad[:3]!r} are not of dtype {dtype}")
        allowed = _allowed_values(feature)
        if allowed is not None:
            outside = [v for v in flat if v not in allowed]
            if outside:
                problems.append(f"values {outside[:3]!r} are not among {allowed!r}")
    else:
        for row in values:
            if not isinstance(row, (list, dict)) or len(row) != len(features):
                problems.append(f"a prediction row {row!r} does not have {len(features)} fields")
                break
    if problems:
        return _check(
            report, "output_schema", False,
            "The output does not match output_schema.json: " + "; ".join(problems)
            + ". Fix _handle_output() in score.py, or prepare again to refresh the schema.",
        )
    return _check(report, "output_schema", True, "the output matches output_schema.json")


def _count_rows(data):
    if isinstance(data, dict) and set(data) <= {"data", "data_type"} and "data" in data:
        data = data["data"]
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                return None
    if isinstance(data, list):
        if data and not isinstance(data[0], (list, dict)):
            return 1
        return len(data)
    if isinstance(data, dict) and data:
        first = next(iter(data.values()))
        if isinstance(first, (list, dict)):
            return len(first)
        return 1
    return None


def _version_mismatch(exc: Exception, artifact_dir: str) -> str:
    """Why a model file cannot load here when it names a submodule the installed package
    lacks (a NumPy 2 pickle under NumPy 1.x: No module named 'numpy._core.numeric')."""
    name = getattr(exc, "name", None)
    if not isinstance(exc, ModuleNotFoundError) or not name or "." not in name:
        return ""
    top = name.split(".", 1)[0]
    if importlib.util.find_spec(top) is None:
        return ""
    dist = _requirements_module().usual_distributions(top)[0]
    version = installed_version(dist)
    wanted = _required_version(artifact_dir, dist)
    here = f"{dist} {version}" if version else f"the {top} installed here"
    asked = f" requirements.txt asks for {dist}=={wanted}." if wanted else ""
    return (f". The model file was saved with another version of {dist}: it needs {name}, which {here} "
            f"does not have, so this environment cannot load it.{asked} Install the artifact's requirements "
            "(pip install -r requirements.txt) or verify with use_venv=True.")


def _required_version(artifact_dir: str, dist: str) -> str | None:
    """The version the artifact's requirements.txt pins ``dist`` to, if any."""
    try:
        with open(os.path.join(artifact_dir, "requirements.txt"), encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    for line in lines:
        match = _REQ_LINE.match(line.split(";", 1)[0].strip())
        if match and _normalize(match.group(1)) == _normalize(dist) and match.group(2).startswith("=="):
            return match.group(2)[2:].strip()
    return None


def check_fitted(model, report: dict) -> None:
    """A scikit-learn estimator (XGBoost's, LightGBM's) that was never fitted loads fine and
    fails only on its first predict(): report it now, with or without data.  scikit-learn is
    asked only when loading the model imported it already."""
    if "sklearn" not in sys.modules:
        return
    try:
        from sklearn.base import BaseEstimator
        from sklearn.exceptions import NotFittedError
        from sklearn.utils.validation import check_is_fitted
    except Exception:
        return
    final = model
    while isinstance(getattr(final, "steps", None), list) and final.steps:  # a pipeline's last step
        final = final.steps[-1][1]
    # Only a library's own estimators: a class of the user's may keep no fitted state at all.
    if not isinstance(model, BaseEstimator) or \
            (type(final).__module__ or "").split(".", 1)[0] not in ("sklearn", "xgboost", "lightgbm"):
        return
    try:
        check_is_fitted(model)
    except NotFittedError:
        name = type(model).__name__
        _check(report, "fitted", False,
               f"load_model() returned a {name} that was never fitted: predict() would raise NotFittedError. "
               f"Fit it (model.fit(X_train, y_train)) and prepare the artifact again.")
    except Exception:  # an estimator check_is_fitted cannot judge: predict() will tell
        return


def run(artifact_dir: str, data_path: str | None) -> dict:
    report: dict = {"checks": [], "prediction": None, "timings": {}}
    started = time.perf_counter()
    artifact_dir = os.path.abspath(artifact_dir)
    if not check_files(artifact_dir, report) and not os.path.isfile(
        os.path.join(artifact_dir, "score.py")
    ):
        return report
    check_requirements(artifact_dir, report)
    sys.path.insert(0, artifact_dir)
    module = import_score(artifact_dir, report)
    report["timings"]["import_s"] = round(time.perf_counter() - started, 4)
    if module is None:
        return report
    try:
        model = module.load_model()
        _check(report, "load_model", model is not None, "load_model() returned a model"
               if model is not None else "load_model() returned None: make it return the model.")
    except SystemExit as exc:
        _exited(report, "load_model", exc, "load_model() ran")
        return report
    except Exception as exc:
        _check(report, "load_model", False, f"load_model() raised {type(exc).__name__}: {exc}"
               f"{_version_mismatch(exc, artifact_dir)}\n{_tail()}")
        return report
    check_fitted(model, report)
    if data_path is None:
        # Nothing to predict on (prepared without a sample): the model loads, and the report
        # says plainly that predict() was not exercised rather than failing the artifact.
        report["checks"].append({
            "name": "predict", "ok": True, "skipped": True,
            "message": "not run: there is no data to predict on. Pass data to verify(), or prepare "
                       "with X_sample= so the artifact keeps a data-sample.json."})
        return report
    with open(data_path, encoding="utf-8") as fh:
        data = json.load(fh)
    t0 = time.perf_counter()
    try:
        prediction = module.predict(data, model)
    except SystemExit as exc:
        _exited(report, "predict", exc, "predict() ran")
        return report
    except Exception as exc:
        _check(report, "predict", False,
               f"predict() raised {type(exc).__name__}: {exc}\n{_tail()}")
        return report
    report["timings"]["predict_s"] = round(time.perf_counter() - t0, 4)
    _check(report, "predict", True, "predict() returned")
    try:
        text = json.dumps(prediction)
    except (TypeError, ValueError) as exc:
        _check(report, "json", False,
               f"predict() returned something JSON cannot encode ({exc}). Convert numpy values "
               "with .tolist() in _handle_output().")
        return report
    _check(report, "json", True, "the output is JSON-serializable")
    report["prediction"] = json.loads(text) if len(text) <= 1_000_000 else None
    output_schema = None
    for name in ("output_schema.json", "schema.json"):
        path = os.path.join(artifact_dir, name)
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as fh:
                doc = json.load(fh)
            output_schema = doc.get("output_schema", doc) if name == "schema.json" else doc
            if name == "schema.json" and "output_schema" not in doc:
                output_schema = None
            break
    check_output_schema(prediction, output_schema, _count_rows(data), report)
    return report


def _peak_rss_mb():
    """This process's own peak RSS. VmHWM, not getrusage: Linux carries ru_maxrss over
    from the (much bigger) parent across fork+exec."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def verify_to_file(artifact_dir: str, data_path: str | None, result_path: str) -> None:
    report = run(artifact_dir, data_path)
    peak = _peak_rss_mb()
    if peak is not None:
        report["timings"]["peak_rss_mb"] = peak
    report["python"] = sys.version.split()[0]
    report["executable"] = sys.executable
    with open(result_path, "w", encoding="utf-8") as fh:
        json.dump(report, fh, default=repr)


def onnx_run(request: dict) -> dict:
    """Run an ONNX model on inputs saved by the parent (one .npy per input, in ``names``
    order) and save the outputs as output-<i>.npy in the ``outputs`` folder; strings travel
    as numpy unicode arrays. Not .npz: reading one imports zipfile, 10 ms of a cold check."""
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError as exc:
        return {"error": f"{exc.name} is not installed (pip install 'model-catalog-ext[onnx]')"}
    try:
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.enable_cpu_mem_arena = False  # a one-off run on a few rows: no arena to keep
        options.intra_op_num_threads = 1
        session = ort.InferenceSession(request["model"], sess_options=options,
                                       providers=["CPUExecutionProvider"])
        arrays = [np.load(path) for path in request["inputs"]]
        feeds = {name: arr.astype(object) if arr.dtype.kind == "U" else arr
                 for name, arr in zip(request["names"], arrays)}
        outputs = [np.asarray(out) for out in session.run(None, feeds)]
        for i, out in enumerate(outputs):
            np.save(os.path.join(request["outputs"], f"output-{i}.npy"), out.astype(str) if out.dtype.kind == "O" else out)
        return {"ok": True, "count": len(outputs)}
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}


def _leave(own_dir: str | None) -> int:
    """Exit for good, removing this standby's temporary folder (its log included) first.

    Only for the exits nobody reads the log after: the parent went away (stdin closed, the
    reply pipe broken) or needs no standby any more (idle). A parent that was SIGKILLed
    cannot remove the folder itself. The prefix check keeps a wrong argument harmless."""
    if own_dir and os.path.basename(os.path.normpath(own_dir)).startswith("model-catalog-worker-"):
        shutil.rmtree(own_dir, ignore_errors=True)
    return 0


def serve(reply_fd: int, preload: list[str], idle_timeout: float, own_dir: str | None = None) -> int:
    for name in preload:
        try:
            __import__(name)
        except Exception:  # score.py's own import will report it properly
            pass
    replies = os.fdopen(reply_fd, "w", encoding="utf-8")
    pending = b""
    verified = False

    def reply(answer: dict) -> bool:
        try:
            replies.write(json.dumps(answer) + "\n")
            replies.flush()
            return True
        except OSError:  # BrokenPipeError: the parent is gone
            return False

    while True:
        while b"\n" not in pending:
            ready, _, _ = select.select([0], [], [], idle_timeout)
            if not ready:
                return _leave(own_dir)  # idle too long: nobody needs a standby any more
            data = os.read(0, 65536)
            if not data:
                return _leave(own_dir)  # the parent went away (or is done with this process)
            pending += data
        line, _, pending = pending.partition(b"\n")
        request = json.loads(line)
        if verified:
            answer: dict = {"error": "this process has served its verification; start a new one"}
        elif request.get("op") == "onnx_run":
            answer = onnx_run(request)
        elif request.get("op") == "verify":
            artifact_dir = request["artifact_dir"]
            if os.path.isdir(artifact_dir):
                os.chdir(artifact_dir)
            verify_to_file(artifact_dir, request.get("data"), request["result"])
            sys.stdout.flush()
            sys.stderr.flush()
            # One verification per process: the next one gets a clean process. This one
            # stays until the parent has read its log and stops it, or goes away.
            verified = True
            answer = {"done": True}
        else:
            answer = {"error": f"unknown request {request.get('op')!r}"}
        if not reply(answer):
            return _leave(own_dir)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--serve":
        preload = [name for name in argv[2].split(",") if name]
        return serve(int(argv[1]), preload, float(argv[3]), argv[4] if len(argv) > 4 else None)
    artifact_dir, data_path, result_path = argv[0], argv[1], argv[2]
    verify_to_file(artifact_dir, None if data_path == "-" else data_path, result_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
