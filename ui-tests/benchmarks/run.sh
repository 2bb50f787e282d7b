#!/usr/bin/env bash
# Seed a 100,000-model catalog (once) and run the UI benchmark on it; prints the figures.
#   ui-tests/benchmarks/run.sh            (MODEL_CATALOG_UI_HOME defaults to /tmp/mc-bench)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
home="${MODEL_CATALOG_UI_HOME:-/tmp/mc-bench}"
mkdir -p "$home"
export MODEL_CATALOG_UI_HOME="$home"
if [ ! -f "$home/.seeded-100k" ]; then
  MODEL_CATALOG_URL="sqlite:///$home/catalog.db" MODEL_CATALOG_ARTIFACT_ROOT="$home/blobs" \
    python "$here/seed_catalog.py" --bulk 100000
  touch "$home/.seeded-100k"
fi
cd "$here"
CI=1 jlpm playwright test -c playwright-benchmark.config.js "$@"
