#!/usr/bin/env bash
# The test suite: set up, then unit and integration tests against the real components.
# Prints one closing line "tests: N passed, N failed, N skipped"; skipped tests never count as passed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/host/node.sh
mkdir -p reports
results=reports/test-results.json
# A results file left by an earlier run must not be read as this run's.
rm -f "$results"
status=0
npx vitest run --reporter=default --reporter=json --outputFile="$results" "$@" || status=$?
if [ ! -s "$results" ]; then
  echo "tests: no results: vitest exited with status $status without writing $results (it crashed before reporting; see above)"
  exit $(( status == 0 ? 1 : status ))
fi
# What the closing line counts, from vitest's JSON report (numPassedTests, numFailedTests, numPendingTests,
# numTodoTests, and per test file testResults[].status and testResults[].assertionResults[].status):
#   passed  = numPassedTests
#   failed  = numFailedTests, plus one per test file that failed without a failed test in it: it could not
#             be loaded (an import or syntax error), or a beforeAll/afterAll hook threw. (vitest's own
#             numFailedTestSuites is not added as is: it counts every describe block and file above a
#             failed test too, so one failed test would count several times.)
#   skipped = numPendingTests + numTodoTests: tests skipped on purpose (SKIPPED: <why>), and the tests of a
#             block whose beforeAll threw, which vitest reports as skipped (their file counts as failed).
# An error vitest reports outside any test (an unhandled rejection) is in none of these: it gets a line of
# its own, and the exit status stays non-zero.
node -e '
  let r;
  try {
    r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  } catch (err) {
    console.log(`tests: no results: ${process.argv[1]} cannot be read (${err.message})`);
    process.exit(1);
  }
  const brokenFiles = r.testResults.filter((f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed"));
  for (const f of brokenFiles) console.log(`failed without a failed test: ${require("path").relative(process.cwd(), f.name)}${f.message ? `: ${f.message.split("\n")[0]}` : " (a hook threw)"}`);
  const failed = r.numFailedTests + brokenFiles.length;
  const skipped = r.numPendingTests + r.numTodoTests;
  if (Number(process.argv[2]) !== 0 && failed === 0) console.log(`vitest exited with status ${process.argv[2]} although no test failed: an error outside the tests (see above)`);
  console.log(`tests: ${r.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
' "$results" "$status" || status=$(( status == 0 ? 1 : status ))
exit "$status"
