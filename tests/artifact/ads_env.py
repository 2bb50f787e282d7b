"""A venv with oracle-ads, for the compatibility tests and the benchmark.

oracle-ads 2.x pins old onnx/onnxruntime/scikit-learn (and onnxruntime 1.17 needs numpy<2),
so it cannot share our venv. Created once under $MODEL_CATALOG_ADS_VENV (default
~/.cache/model-catalog-ext/ads-venv) and reused while ``ads`` imports there.

    python tests/artifact/ads_env.py      # create it now and print its python
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

# What the ADS docs install for SklearnModel with ONNX; numpy<2 for onnxruntime 1.17.
ADS_REQUIREMENTS = ["oracle-ads[onnx,boosted]", "numpy<2", "scikit-learn", "skl2onnx", "onnxruntime"]
DRIVER = Path(__file__).with_name("ads_driver.py")


def venv_dir() -> Path:
    env = os.environ.get("MODEL_CATALOG_ADS_VENV")
    if env:
        return Path(env)
    return Path(os.path.expanduser("~")) / ".cache" / "model-catalog-ext" / "ads-venv"


def _works(python: Path) -> bool:
    if not python.exists():
        return False
    done = subprocess.run([str(python), "-c", "import ads, onnxruntime, skl2onnx, sklearn"],
                          capture_output=True, timeout=300)
    return done.returncode == 0


def ensure_ads_python() -> tuple[str | None, str]:
    """(python of the ADS venv, "") or (None, why it could not be installed)."""
    target = venv_dir()
    python = target / "bin" / "python"
    if _works(python):
        return str(python), ""
    building = target.with_name(target.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    base = getattr(sys, "_base_executable", sys.executable)
    done = subprocess.run([base, "-m", "venv", str(building)], capture_output=True, text=True)
    if done.returncode != 0:
        return None, f"python -m venv failed: {done.stderr[-1000:]}"
    done = subprocess.run([str(building / "bin" / "python"), "-m", "pip", "install", "-q",
                           "--disable-pip-version-check", *ADS_REQUIREMENTS],
                          capture_output=True, text=True, timeout=3000)
    if done.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        return None, f"pip install {' '.join(ADS_REQUIREMENTS)} failed: {done.stderr[-1500:]}"
    shutil.rmtree(target, ignore_errors=True)
    os.rename(building, target)  # the interpreter in a venv does not care about its path
    (target / "install-seconds.txt").write_text(f"{time.monotonic() - started:.1f}\n")
    if not _works(python):
        return None, "oracle-ads installed but `import ads` fails in its venv"
    return str(python), ""


def run_driver(python: str, *args: str, timeout: float = 600, driver: Path = DRIVER) -> dict:
    """Run ``driver`` (ads_driver.py) in the ADS venv; returns its RESULT JSON (raises with its output)."""
    import json

    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    done = subprocess.run([python, str(driver), *args], capture_output=True, text=True,
                          timeout=timeout, env=env)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"{driver.name} {' '.join(args)} failed (exit {done.returncode}):\n"
                       f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


if __name__ == "__main__":
    py, why = ensure_ads_python()
    print(py or why)
    sys.exit(0 if py else 1)
