#!/usr/bin/env bash
# Install JupyterLab with the model catalog extension in ./.venv and start it, on the
# embedded catalog (SQLite + files under the Jupyter data dir: nothing else to set up).
# Extra arguments go to `jupyter lab` (e.g. --port 8890 --no-browser).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# A dev link left by scripts/test.sh would make pip copy the extension onto itself.
link=.venv/share/jupyter/labextensions/model-catalog-ext
[ -L "$link" ] && rm "$link"
.venv/bin/python -m pip install -q ".[lab,onnx]"
extra=()
[ "$(id -u)" = 0 ] && extra+=(--allow-root)  # Jupyter refuses root unless told
exec .venv/bin/jupyter lab "${extra[@]}" "$@"
