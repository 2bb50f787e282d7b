"""The standby clean processes behind verify() and prepare()'s ONNX check."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from model_catalog_ext.artifact import ModelArtifact, clean_process, prepare

REPO = Path(__file__).resolve().parents[2]

SPY_SCORE = textwrap.dedent('''
    import builtins, os, sys

    def load_model():
        return "spy"

    def predict(data, model=load_model()):
        seen = {"pid": os.getpid(), "leak": hasattr(builtins, "_left_by_an_earlier_artifact"),
                "cwd": os.getcwd(), "score_modules": sorted(m for m in sys.modules if m.startswith("spy_"))}
        builtins._left_by_an_earlier_artifact = True
        import spy_helper  # from the artifact directory
        return seen
''')


def _spy_artifact(path: Path) -> ModelArtifact:
    path.mkdir()
    (path / "score.py").write_text(SPY_SCORE)
    (path / "spy_helper.py").write_text("")
    (path / "runtime.yaml").write_text("MODEL_ARTIFACT_VERSION: '3.0'\n")
    return ModelArtifact(path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead too
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _wait_gone(pid: int, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_each_verification_gets_a_fresh_process(tmp_path):
    first = _spy_artifact(tmp_path / "one").verify(data=[1])
    second = _spy_artifact(tmp_path / "two").verify(data=[1])
    assert first.ok and second.ok, first.summary() + second.summary()
    a, b = first.prediction, second.prediction
    assert a["pid"] != b["pid"] and a["pid"] != os.getpid()
    # nothing the first artifact did is visible to the second, which runs in its own folder
    assert a["leak"] is False and b["leak"] is False
    assert b["cwd"] == str(tmp_path / "two") and b["score_modules"] == []
    assert _wait_gone(a["pid"]) and _wait_gone(b["pid"])


def test_a_standby_is_ready_after_a_verification(tmp_path):
    _spy_artifact(tmp_path / "one").verify(data=[1])
    standbys = list(clean_process._standbys)
    assert len(standbys) == 2 and all(p.alive() for p in standbys)
    report = _spy_artifact(tmp_path / "two").verify(data=[1])
    assert report.prediction["pid"] == standbys[0].pid


def test_the_onnx_check_does_not_load_onnxruntime_here(tmp_path):
    code = textwrap.dedent(f'''
        import sys, json
        from sklearn.datasets import load_iris
        from sklearn.ensemble import RandomForestClassifier
        from model_catalog_ext.artifact import prepare
        X, y = load_iris(return_X_y=True, as_frame=True)
        model = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
        art = prepare(model, {str(tmp_path / "art")!r}, X_sample=X[:20], as_onnx=True)
        report = art.verify()
        print(json.dumps({{"serializer": art.preparation["serializer"], "ok": report.ok,
                          "ort_here": "onnxruntime" in sys.modules}}))
    ''')
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "serializer": "onnx", "ok": True, "ort_here": False}


def test_an_onnx_model_that_disagrees_falls_back_to_joblib(tmp_path, iris, iris_rf, monkeypatch):
    from model_catalog_ext.artifact import onnx_export

    real = onnx_export._run_onnx

    def skewed(onnx_bytes, feeds, meanwhile=None):
        outputs = real(onnx_bytes, feeds, meanwhile)
        outputs[1] = outputs[1] * 0.5  # probabilities no longer match the model's
        return outputs

    monkeypatch.setattr(onnx_export, "_run_onnx", skewed)
    X, y = iris
    with pytest.warns(UserWarning, match="class probabilities differ"):
        art = prepare(iris_rf, tmp_path / "art", X_sample=X[:20], as_onnx=True)
    assert art.preparation["serializer"] == "joblib"
    assert art.verify().ok


def test_standbys_leave_with_their_parent():
    code = textwrap.dedent('''
        from model_catalog_ext.artifact import clean_process
        clean_process.prime(count=2)
        print(" ".join(str(p.pid) for p in clean_process._standbys), flush=True)
        import os
        os._exit(0)  # no atexit: the standbys must notice on their own
    ''')
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHONPATH=str(REPO)))
    pids = [int(p) for p in done.stdout.split()]
    assert len(pids) == 2
    assert all(_wait_gone(pid) for pid in pids)


def test_an_idle_standby_exits(monkeypatch):
    monkeypatch.setattr(clean_process, "IDLE_TIMEOUT", 0.5)
    proc = clean_process.CleanProcess(sys.executable)
    try:
        assert _wait_gone(proc.pid, 30)
    finally:
        proc.close()


def test_a_hanging_score_py_is_stopped(tmp_path):
    art = _spy_artifact(tmp_path / "slow")
    (art.artifact_dir / "score.py").write_text(
        "import time\ndef load_model():\n    return 1\ndef predict(data, model=None):\n"
        "    print('about to hang', flush=True)\n    time.sleep(600)\n")
    started = time.monotonic()
    report = art.verify(data=[1], timeout=3)
    assert time.monotonic() - started < 60
    assert not report.ok and "did not finish within 3s" in report.summary()
    assert "about to hang" in report.log


def test_a_standby_interrupted_mid_request_is_not_used_again(tmp_path, iris, iris_rf, monkeypatch):
    """The kernel's stop button during prepare()'s ONNX check: the standby's answer to that
    request must not become the answer to the next prepare() or verify()."""
    import types

    real_select = clean_process.select.select
    calls = []

    def interrupted_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return real_select(*args, **kwargs)

    X, y = iris
    clean_process.prime(("numpy", "onnxruntime"))
    interrupted = clean_process._standbys[0]
    monkeypatch.setattr(clean_process, "select", types.SimpleNamespace(select=interrupted_once))
    with pytest.raises(KeyboardInterrupt):
        prepare(iris_rf, tmp_path / "one", X_sample=X[:20], y_sample=y[:20], as_onnx=True)
    assert not interrupted.alive()
    art = prepare(iris_rf, tmp_path / "two", X_sample=X[:20], y_sample=y[:20], as_onnx=True)
    assert art.preparation["serializer"] == "onnx", art.preparation.get("onnx_fallback_reason")
    report = art.verify()
    assert report.ok, report.summary()
    assert not (tmp_path / "one").exists()
