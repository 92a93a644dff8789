#!/usr/bin/env bash
# The main job: set up, bring the whole lab up, run every scenario, write the report under reports/<run-id>/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/host/node.sh
node bin/certlab.mjs up
exec node bin/certlab.mjs run "${@:-all}"
