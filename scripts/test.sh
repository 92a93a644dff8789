#!/usr/bin/env bash
# The test suite: set up, then unit and integration tests against the real components.
# Prints one closing line "N passed, N failed, N skipped"; skipped tests never count as passed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p reports
results=reports/test-results.json
status=0
npx vitest run --reporter=default --reporter=json --outputFile="$results" "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' "$results" || true
exit "$status"
