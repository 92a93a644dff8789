#!/usr/bin/env bash
# Everything a fresh machine needs before the lab runs; idempotent and cached, so a second run is quick:
# the container engine, npm dependencies (reinstalled only when package-lock.json changes), and every
# image the lab runs (existing tags reused, else pulled, else built from source).
set -euo pipefail
cd "$(dirname "$0")/.."
# Node 22 or newer on the PATH (installed once into ~/.cache/certlab/node where the machine's is older).
source scripts/host/node.sh

bash scripts/host/prepare.sh

stamp=node_modules/.certlab-lock.sha256
# The lock file and the Node ABI: native add-ons (ssh2's crypto) are rebuilt when Node's major changes.
want="$(sha256sum package-lock.json | cut -d' ' -f1) node-abi-$(node -p process.versions.modules)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing npm dependencies"
  # npm install, not npm ci: npm 11 refuses its own lock file here over optional platform packages
  # (e.g. @rollup/rollup-android-*) that it leaves out; install still takes the locked versions.
  npm install --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# Every image the configured lab runs, each said with where it came from: existing tags are reused, the rest
# pulled where its registry answers (probed once, 3 s at most) and built from source where it does not.
# CERTLAB_IMAGES=pull or =build forces one way.
node bin/certlab.mjs images supply --mode "${CERTLAB_IMAGES:-pull-or-build}"
