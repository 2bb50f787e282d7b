#!/usr/bin/env bash
# Copy the screenshots the Galata tests take into docs/images/ (docs/getting-started.md shows them).
# They are taken by ui-tests/tests/catalog.spec.ts ("panel lists the seeded models ..." and
# "right-click a notebook, save its model through the dialog ..."); run the UI tests first
# (./scripts/test.sh, or `jlpm playwright test tests/catalog.spec.ts` in ui-tests/), then this.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHOTS="$ROOT/ui-tests/test-results/screenshots"
for name in panel-light save-dialog-light saved-notification-light; do
  if [[ ! -f "$SHOTS/$name.png" ]]; then
    echo "error: $SHOTS/$name.png is missing: run the Galata tests (ui-tests/tests/catalog.spec.ts) first" >&2
    exit 1
  fi
  cp "$SHOTS/$name.png" "$ROOT/docs/images/$name.png"
done
echo "docs/images/ updated from $SHOTS"
