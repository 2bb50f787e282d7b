#!/usr/bin/env bash
# Install everything the tests need and run every suite: pytest, jest, Galata (UI).
# Works on a fresh machine (Python 3.11 + Node 20); safe to run again (reuses .venv,
# node_modules and installed system packages when present, never requires them).
#   ./scripts/test.sh            everything
#   SKIP_UI=1 ./scripts/test.sh  everything but the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CI="${CI:-true}"   # Playwright: never open a report, never reuse a stray server.
START=$SECONDS

stage() {  # stage NAME COMMAND... : run a stage and print how long it took
  local name=$1; shift
  local t0=$SECONDS
  echo "==> [$name]"
  "$@"
  echo "==> [$name] done in $((SECONDS - t0)) s"
}

system_packages() {
  local need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v git >/dev/null 2>&1 || need+=(git)
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "Missing system packages: ${need[*]}. Install them with: sudo apt-get install -y ${need[*]}" >&2
      exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  # The Debian postgresql package starts a cluster of its own; the tests start theirs.
  command -v pg_ctlcluster >/dev/null 2>&1 && pg_ctlcluster --force 15 main stop >/dev/null 2>&1 || true
}

python_env() {
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  # Builds the labextension too (jlpm install + jlpm build, through hatch-jupyter-builder).
  .venv/bin/python -m pip install -q -e ".[dev,test]"
  .venv/bin/jupyter-builder develop . --overwrite >/dev/null
  .venv/bin/jupyter server extension enable model_catalog_ext --sys-prefix >/dev/null
}

# The proxy of the JupyterHub that tests/hub start (configurable-http-proxy, from npm; the
# version is pinned in tests/hub/package-lock.json).
hub_proxy() {
  if [ ! -x tests/hub/node_modules/.bin/configurable-http-proxy ] \
     || [ tests/hub/package-lock.json -nt tests/hub/node_modules/.package-lock.json ]; then
    npm ci --prefix tests/hub --no-audit --no-fund --loglevel=error
  fi
}

# The architecture and the code's hygiene, checked (docs/architecture.md; contracts and
# settings in pyproject.toml).
python_checks() {
  .venv/bin/lint-imports --no-cache
  .venv/bin/ruff check .
  .venv/bin/mypy
}

run_pytest() {
  .venv/bin/python -m pytest -q -rs -p no:cacheprovider "${PYTEST_ARGS[@]}"
}

run_jest() {
  .venv/bin/jlpm install
  # eslint + prettier over src/ and the UI tests' specs (the scripts call jlpm by name).
  PATH="$ROOT/.venv/bin:$PATH" .venv/bin/jlpm lint:check
  .venv/bin/jlpm test
}

run_galata() {
  cd ui-tests
  ../.venv/bin/jlpm install
  PATH="$ROOT/.venv/bin:$PATH" ../.venv/bin/jlpm playwright test
  cd "$ROOT"
}

PYTEST_ARGS=("$@")
stage "system packages (chromium, postgresql)" system_packages
stage "python env + extension build" python_env
stage "jupyterhub proxy (npm)" hub_proxy
stage "python checks (import contracts, ruff, mypy)" python_checks
stage "pytest" run_pytest
stage "jest" run_jest
if [ -z "${SKIP_UI:-}" ]; then
  stage "galata (chromium)" run_galata
fi
echo "==> all suites passed in $((SECONDS - START)) s"
