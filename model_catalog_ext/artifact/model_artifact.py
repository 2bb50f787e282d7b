"""ModelArtifact: an artifact directory you can reload, predict with and verify before saving."""
from __future__ import annotations

import importlib.util
import os
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType

from ..errors import InvalidArtifact
from . import layout, metadata, schema

_artifact_dirs: set[str] = set()  # the folders reload() has put on sys.path


def _put_first_on_path(artifact_dir: Path) -> None:
    """Make ``artifact_dir`` the first place imports look, and forget the helper modules
    (``helpers.py`` next to score.py) an earlier reload() imported from any artifact
    folder: the import then reads this artifact's own, as edited now.  Modules from
    anywhere else (numpy, the user's own) are left alone, whatever their names."""
    folder = str(artifact_dir)
    _artifact_dirs.add(folder)
    if folder in sys.path:
        sys.path.remove(folder)
    sys.path.insert(0, folder)
    for name, module in list(sys.modules.items()):
        where = getattr(module, "__file__", None)
        if where and any(where.startswith(d + os.sep) for d in _artifact_dirs):
            del sys.modules[name]


class ModelArtifact:
    """A model artifact directory (ours or one made by ADS).

    ``reload()`` imports score.py (again, after you edited it) and calls ``load_model()``;
    ``model`` is what it returned; ``predict(data)`` calls score.predict; ``verify()`` runs
    the same in a separate clean process and reports what failed.
    """

    def __init__(self, artifact_dir, model_file_name: str | None = None, reload: bool = False):
        path = Path(artifact_dir).expanduser().absolute()
        if not path.is_dir():
            raise InvalidArtifact(
                f"{path} is not a directory. Pass the folder that holds score.py, or create "
                "one with prepare() / prepare_generic_model().",
                path=str(path),
            )
        self.artifact_dir = path
        self._score: ModuleType | None = None
        self._model = None
        self._loaded = False
        self.model_file_name = model_file_name
        if reload:  # ADS's ModelArtifact(path, reload=True): load it now
            self.reload(model_file_name)

    def __repr__(self) -> str:
        # What ADS prints on download: where the artifact is and what is in it.
        try:
            contents: list[str] | str = sorted(p.name for p in self.artifact_dir.iterdir()
                                               if p.name != "__pycache__")
        except OSError as exc:
            contents = f"<unreadable: {exc.strerror}>"
        return f"ModelArtifact\nArtifact directory: {self.artifact_dir}\nContains: {contents}"

    # -- score.py ------------------------------------------------------------------------

    def reload(self, model_file_name: str | None = None) -> ModelArtifact:
        """Import score.py afresh and call its load_model(); returns self.

        ``model_file_name`` (ADS's argument) names the serialized model in the folder; it
        must be there (score.py's own load_model() still decides how it is loaded)."""
        if model_file_name is not None:
            if not (self.artifact_dir / model_file_name).is_file():
                present = sorted(p.name for p in self.artifact_dir.iterdir() if p.is_file())
                raise InvalidArtifact(
                    f"{model_file_name} is not in {self.artifact_dir}, which holds {present}. Pass the name "
                    "of the model file score.py loads, or leave model_file_name out.",
                    path=str(self.artifact_dir), missing=[model_file_name])
            self.model_file_name = model_file_name
        score_path = self.artifact_dir / layout.SCORE_PY
        if not score_path.is_file():
            raise InvalidArtifact(
                f"{self.artifact_dir} has no score.py. Create it with prepare() or "
                "prepare_generic_model(), or add a score.py with load_model() and "
                "predict(data, model=load_model()).",
                path=str(self.artifact_dir), missing=[layout.SCORE_PY],
            )
        source = score_path.read_bytes()
        try:
            compile(source, str(score_path), "exec")
        except SyntaxError as exc:
            raise InvalidArtifact(
                f"score.py has a syntax error at line {exc.lineno}: {exc.msg}. Fix "
                f"{score_path} and call reload() again.",
                path=str(score_path), line=exc.lineno,
            ) from exc
        # The artifact folder goes on sys.path like ADS does: score.py may import helper
        # modules shipped next to it, and pickles may refer to them.
        _put_first_on_path(self.artifact_dir)
        spec = importlib.util.spec_from_file_location(f"score_{uuid.uuid4().hex}", score_path)
        assert spec is not None and spec.loader is not None  # a .py path always has a loader
        module = importlib.util.module_from_spec(spec)
        # no __pycache__ in the artifact: it would be uploaded with it (and ADS deletes it)
        write_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
        try:
            spec.loader.exec_module(module)
        except ModuleNotFoundError as exc:
            raise InvalidArtifact(
                f"score.py imports {exc.name!r}, which is not installed in this environment. "
                "Install the artifact's requirements (pip install -r requirements.txt).",
                path=str(score_path), module=exc.name,
            ) from exc
        except SystemExit as exc:  # a BaseException: `except Exception` lets it through
            raise _exited(score_path, exc, "score.py (or code it calls)", " while it was being imported "
                          "(its load_model() runs on import, as predict's default argument)") from None
        except Exception as exc:
            raise InvalidArtifact(
                f"Importing score.py raised {type(exc).__name__}: {str(exc).rstrip('.')}. Fix "
                "score.py (its load_model() runs on import, as predict's default argument) and "
                "reload().",
                path=str(score_path),
            ) from exc
        finally:
            sys.dont_write_bytecode = write_bytecode
        for name in ("load_model", "predict"):
            if not callable(getattr(module, name, None)):
                raise InvalidArtifact(
                    f"score.py defines no {name}(). It needs load_model() and "
                    "predict(data, model=load_model()).",
                    path=str(score_path),
                )
        self._score = module
        try:
            self._model = module.load_model()
        except SystemExit as exc:
            raise _exited(score_path, exc, "score.py's load_model()", "") from None
        self._loaded = True
        return self

    @property
    def score(self):
        """The imported score.py module (imported on first use)."""
        if not self._loaded:
            self.reload()
        return self._score

    @property
    def model(self):
        """What score.load_model() returned (score.py is imported on first use).  An ONNX
        Runtime session comes wrapped so that ``model.predict(X)`` works, through score.py
        (``model.session`` is the session itself)."""
        if not self._loaded:
            self.reload()
        from .onnx_model import OnnxModel, is_onnx_session

        if is_onnx_session(self._model):
            return OnnxModel(self._model, self._score)
        return self._model

    def load_model(self):
        """The model score.py's load_model() returns (ADS's name for :attr:`model`)."""
        return self.model

    def predict(self, data, model=None):
        """score.predict(data) in this process: quick feedback while editing score.py.
        ``model`` (as ADS's guide passes ``model=artifact.load_model()``) goes to
        score.predict as its model."""
        if model is None:
            return self.score.predict(data)
        from .onnx_model import OnnxModel

        if isinstance(model, OnnxModel):  # score.py wants the session it made itself
            model = model.session
        return self.score.predict(data, model=model)

    # -- verification --------------------------------------------------------------------

    def verify(self, data=None, use_venv: bool = False, timeout: float = 300.0, record: bool | None = None):
        """Run load_model() + predict() in a separate clean Python process.

        ``data`` defaults to data-sample.json; with neither, predict() is not run and the
        report lists it as skipped (``report.skipped``). With ``use_venv=True`` the process runs in a
        fresh virtual environment built from requirements.txt (cached by its content).
        Returns a VerificationReport (``.ok``, ``.checks``, ``.summary()``); the outcome is
        also the ArtifactTestResults defined metadata, which save() keeps.  It is written
        into the artifact's model-metadata.json when prepare() made one (``record=True``:
        always; ``False``: never): verifying a folder made by someone else (ADS, a
        colleague) changes nothing in it -- the results then stay with this object.
        """
        from .verify import run

        verified_files = metadata.files_fingerprint(self.artifact_dir)
        report = run(self.artifact_dir, data=data, use_venv=use_venv, timeout=timeout)
        if record is None:
            record = (self.artifact_dir / layout.METADATA_FILE).is_file()
        doc = metadata.read(self.artifact_dir)
        defined = doc.setdefault("defined_metadata", {})
        self._test_results = defined["ArtifactTestResults"] = {
            "ok": report.ok,
            "use_venv": use_venv,
            "python": report.python,
            "checks": report.checks,
            "skipped": [c["name"] for c in report.skipped],
            "files": verified_files,  # so a later edit shows the result as stale
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),  # when it was checked
        }
        if record:
            try:
                metadata.write(self.artifact_dir, doc)
            except OSError:
                pass  # a read-only artifact (e.g. a downloaded copy) still gets its report
        self._last_report = report
        return report

    # -- metadata ------------------------------------------------------------------------

    @property
    def defined_metadata(self) -> dict:
        """ADS defined metadata: UseCaseType, Framework, FrameworkVersion, Algorithm,
        Hyperparameters, ArtifactTestResults (None where unknown).  ArtifactTestResults
        of files edited since verify() ran says so (``ok`` None, ``stale`` True)."""
        defined = metadata.defined_metadata(metadata.read(self.artifact_dir))
        if defined.get("ArtifactTestResults") is None and getattr(self, "_test_results", None):
            defined["ArtifactTestResults"] = dict(self._test_results)  # verified, not recorded in the folder
        tests = defined.get("ArtifactTestResults")
        if isinstance(tests, dict) and tests.get("files") not in (None, metadata.files_fingerprint(self.artifact_dir)):
            defined["ArtifactTestResults"] = {
                **tests, "ok": None, "stale": True,
                "message": "The artifact's files changed after verify() ran; run verify() again."}
        return defined

    @property
    def metadata_taxonomy(self):
        """ADS's taxonomy object: ``art.metadata_taxonomy["UseCaseType"].value = "regression"``
        is written into the artifact's model-metadata.json at once (and saved with it)."""
        from .metadata_views import MetadataTaxonomy

        doc = metadata.read(self.artifact_dir)
        return MetadataTaxonomy(doc.setdefault("defined_metadata", {}),
                                on_change=lambda: metadata.write(self.artifact_dir, doc))

    @property
    def metadata_custom(self):
        """ADS's custom-metadata object (``add()``, ``remove()``, ``["key"].value``), kept in
        model-metadata.json and saved with the artifact."""
        from .metadata_views import MetadataCustom

        doc = metadata.read(self.artifact_dir)
        return MetadataCustom(doc.setdefault("custom_metadata", []),
                              on_change=lambda: metadata.write(self.artifact_dir, doc))

    @property
    def preparation(self) -> dict:
        """How prepare() made the artifact: serializer, model_file, onnx_fallback_reason, files."""
        return dict(metadata.read(self.artifact_dir).get("preparation") or {})

    @property
    def provenance(self) -> dict | None:
        """Git provenance captured when the artifact was prepared, if any."""
        return metadata.read(self.artifact_dir).get("provenance")

    @property
    def input_schema(self) -> dict | None:
        """input_schema.json (or legacy schema.json's input part) as a dict; None without one."""
        return schema.read_schemas(self.artifact_dir)[0]

    @property
    def output_schema(self) -> dict | None:
        """output_schema.json (or legacy schema.json's output part) as a dict; None without one."""
        return schema.read_schemas(self.artifact_dir)[1]

    @property
    def runtime(self) -> dict | None:
        """runtime.yaml as a dict, or None when there is none."""
        path = self.artifact_dir / layout.RUNTIME_YAML
        if not path.is_file():
            return None
        import yaml

        return yaml.safe_load(path.read_text())


def _exited(score_path, exc: SystemExit, who: str, when: str) -> InvalidArtifact:
    return InvalidArtifact(
        f"{who} called sys.exit({exc.code!r}){when}. A scoring script must not exit the process: "
        "remove that call, or raise an exception instead, and reload().",
        path=str(score_path), exit_code=exc.code)
