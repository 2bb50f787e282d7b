"""Run an artifact's score.py in a separate clean process and report what failed.

The child is a fresh interpreter started with ``-I`` (no PYTHONPATH, no user site, no
current directory on sys.path), so it sees only the artifact directory and the
interpreter's own site-packages -- or, with ``use_venv=True``, a virtual environment holding
nothing but the artifact's requirements.txt.  It is usually already running: see
clean_process.py.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import clean_process, layout


@dataclass
class VerificationReport:
    """What ``ModelArtifact.verify()`` found. ``ok`` is True only when every check passed."""

    ok: bool
    checks: list = field(default_factory=list)  # [{name, ok, message, skipped?}]
    prediction: object = None
    timings: dict = field(default_factory=dict)
    python: str | None = None
    log: str = ""  # the tail of what score.py printed
    executable: str | None = None  # the interpreter that ran the checks

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def failures(self) -> list:
        return [c for c in self.checks if not c["ok"]]

    @property
    def skipped(self) -> list:
        """Checks that could not run (predict() without data); they do not fail the report."""
        return [c for c in self.checks if c.get("skipped")]

    def summary(self) -> str:
        """One line per check, failures first."""
        lines = []
        for c in self.failures + [c for c in self.checks if c["ok"]]:
            status = "SKIP" if c.get("skipped") else "PASS" if c["ok"] else "FAIL"
            lines.append(f"{status} {c['name']}: {c['message']}")
        return "\n".join(lines)

    def raise_for_failure(self) -> None:
        """Raise InvalidArtifact listing the failed checks, if any."""
        if not self.ok:
            from ..errors import InvalidArtifact

            raise InvalidArtifact("The artifact failed verification:\n" + self.summary(),
                                  checks=self.checks)

    def __repr__(self) -> str:
        return f"VerificationReport(ok={self.ok})\n{self.summary()}"


def cache_dir() -> Path:
    """Where verify venvs are kept: $MODEL_CATALOG_CACHE_DIR, else ~/.cache/model-catalog-ext."""
    root = os.environ.get("MODEL_CATALOG_CACHE_DIR")
    if root:
        return Path(root)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "model-catalog-ext"


def _to_json_ready(data):
    """Data for the child process, as JSON (numpy and pandas objects converted)."""
    cls = type(data)
    if cls.__module__.startswith("pandas") and cls.__name__ == "DataFrame":
        return {str(k): v for k, v in data.to_dict(orient="list").items()}
    if cls.__module__.startswith("pandas") and cls.__name__ == "Series":
        return data.tolist()
    if hasattr(data, "tolist") and hasattr(data, "ndim"):
        return data.tolist()
    return data


def _is_empty(data) -> bool:
    """JSON-ready data with no rows: [], {}, or columns that are all empty."""
    if isinstance(data, dict) and "data" in data and set(data) <= {"data", "data_type"}:
        data = data["data"]  # the ADS envelope
    if isinstance(data, (list, tuple, dict, str)) and len(data) == 0:
        return True
    return isinstance(data, dict) and all(isinstance(v, (list, dict)) and not v for v in data.values())


def _output(log: str) -> str:
    """What score.py printed, for a message (its tail)."""
    tail = log.strip()[-1500:]
    return f" What it printed:\n{tail}" if tail else " It printed nothing."


def _died(failure, log: str) -> str:
    """Why there is no report: the process ended in the middle of the verification."""
    code = getattr(failure, "exit_code", None)
    if code is None:
        what = f"The verification process ended without a report ({failure or 'no reason given'})."
    elif code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        what = (f"The verification process was killed by {name} while it ran score.py (a crash "
                "in a native library, or the machine ran out of memory?).")
    else:
        what = (f"score.py ended the verification process with exit code {code} before the checks "
                f"finished (os._exit({code}) in score.py or in code it calls?). A scoring script "
                "must not exit the process.")
        if not log.strip():  # os._exit() drops what was still buffered
            return what + " Nothing it printed reached the log (os._exit() does not flush output)."
    return what + _output(log)


def _venv_python(artifact_dir: Path, timeout: float) -> tuple[str | None, str]:
    """Python of a venv with exactly requirements.txt installed (cached by its content).
    Returns (python, "") or (None, error message)."""
    req = artifact_dir / layout.REQUIREMENTS_TXT
    text = req.read_text() if req.is_file() else ""
    key = hashlib.sha256(f"{sys.version}\n{text}".encode()).hexdigest()[:16]
    root = cache_dir() / "verify-venvs"
    venv = root / key
    python = venv / "bin" / "python"
    if python.exists():
        return str(python), ""
    root.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    building: Path | None = staged  # removed at the end unless it became the venv
    try:
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(staged)], check=True, capture_output=True,
                       timeout=timeout)
        if text.strip():
            done = subprocess.run(
                [str(staged / "bin" / "python"), "-m", "pip", "install", "-q",
                 "--disable-pip-version-check", "-r", str(req)],
                capture_output=True, text=True, timeout=timeout)
            if done.returncode != 0:
                return None, (f"pip install -r requirements.txt failed in a fresh venv:\n"
                              f"{done.stderr.strip()[-2000:]}")
        # venvs hard-code their path: rename before anything is run from the final one
        shutil.rmtree(staged / "bin" / "__pycache__", ignore_errors=True)
        try:
            os.rename(staged, venv)
        except OSError:  # another process made it first
            shutil.rmtree(staged, ignore_errors=True)
            return str(python), ""
        building = None
        # the venv's scripts point at the temporary path; python itself does not care
        return str(python), ""
    except subprocess.TimeoutExpired:
        return None, f"creating the verification venv took longer than {timeout:.0f}s"
    except subprocess.CalledProcessError as exc:
        return None, f"python -m venv failed: {exc.stderr!r}"
    finally:
        if building is not None:
            shutil.rmtree(building, ignore_errors=True)


def run(artifact_dir, data=None, use_venv: bool = False, timeout: float = 300.0) -> VerificationReport:
    """Verify ``artifact_dir`` in a clean process (see module docstring)."""
    artifact_dir = Path(artifact_dir).absolute()
    started = time.perf_counter()
    data_text = None
    if data is None:
        sample = artifact_dir / layout.DATA_SAMPLE
        data_arg = str(sample) if sample.is_file() else None
    else:
        try:
            ready = _to_json_ready(data)
            data_text = json.dumps(ready)
        except (TypeError, ValueError) as exc:
            return VerificationReport(False, [{
                "name": "data", "ok": False,
                "message": f"verify() data must be JSON-serializable, a DataFrame or an array ({exc}).",
            }])
        if _is_empty(ready):
            return VerificationReport(False, [{
                "name": "data", "ok": False,
                "message": "verify() was given empty data: there is no row to predict on. Pass at "
                           "least one row (for example X_test[:5]), or call verify() without data "
                           "to use the artifact's data-sample.json.",
            }])
    python: str | None = sys.executable
    if use_venv:
        python, error = _venv_python(artifact_dir, timeout)
        if python is None:
            return VerificationReport(False, [{"name": "requirements", "ok": False, "message": error}])
    proc = clean_process.take(python=python)
    # The data and the result travel as files in the process's own folder, which goes with it.
    result_path = proc.scratch_path("result.json")
    raw, failure = None, None
    try:
        if data_text is not None:
            data_arg = proc.scratch_path("data.json")
            with open(data_arg, "w", encoding="utf-8") as fh:
                fh.write(data_text)
        offset = proc.log_size()
        try:
            proc.request({"op": "verify", "artifact_dir": str(artifact_dir), "data": data_arg,
                          "result": result_path}, timeout)
        except clean_process.WorkerFailed as exc:
            failure = exc
        log = proc.log_since(offset)
        if os.path.isfile(result_path):
            with open(result_path, encoding="utf-8") as fh:
                raw = json.load(fh)
    finally:
        # Stopping it and removing its folder takes a few ms: not the caller's wait.
        clean_process.retire(proc)
        if python == sys.executable:
            clean_process.prime(proc.preload, count=2)  # the next verify() starts warm
    if failure is not None and failure.timed_out:
        return VerificationReport(False, [{
            "name": "process", "ok": False,
            "message": f"score.py did not finish within {timeout:.0f}s (load_model or predict hangs?)",
        }], log=log)
    if raw is None:
        return VerificationReport(False, [{
            "name": "process", "ok": False, "message": _died(failure, log)}], log=log)
    checks = raw.get("checks", [])
    for check in checks:
        if "exit_code" in check:  # score.py called sys.exit(): show what it printed
            check["message"] += _output(log)
    timings = dict(raw.get("timings") or {})
    timings["total_s"] = round(time.perf_counter() - started, 4)
    ok = bool(checks) and all(c["ok"] for c in checks)
    return VerificationReport(ok, checks, raw.get("prediction"), timings, raw.get("python"), log,
                              raw.get("executable"))
