#!/usr/bin/env bash
# Everything a fresh machine needs before the lab runs; idempotent and cached, so a second run is quick:
# the container engine, npm dependencies (reinstalled only when package-lock.json changes), and every
# image the lab runs (built from source where none can be pulled; existing tags are reused).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/host/prepare.sh

stamp=node_modules/.certlab-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing npm dependencies"
  # npm install, not npm ci: npm 11 refuses its own lock file here over optional platform packages
  # (e.g. @rollup/rollup-android-*) that it leaves out; install still takes the locked versions.
  npm install --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# Every image the configured lab runs: built from source by default (no registry here), or pulled with
# CERTLAB_IMAGES=pull. Existing tags are reused, so a machine that has built before skips this.
node bin/certlab.mjs images "${CERTLAB_IMAGES:-build}"
