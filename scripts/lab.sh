#!/usr/bin/env bash
# The main job: set up, bring the lab up, run every scenario, write the report under reports/<run-id>/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node bin/certlab.mjs run "${@:-all}"
