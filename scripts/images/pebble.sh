#!/usr/bin/env bash
# ghcr.io/letsencrypt/pebble:<VERSION> from the Go module proxy, laid out like the official release image
# (pebble's Dockerfile.release + .github/workflows/release.yml at that tag): FROM scratch, the static binary
# at /app with ENTRYPOINT ["/app"], the repository's test/ tree (config and certs) at /test/, ports
# 14000 (ACME) and 15000 (management). The official release builds with -ldflags
# "-s -w -X 'main.version=<tag> (<sha>)'"; the module proxy does not give the commit, so the tag alone.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-pebble.sh"
: "${VERSION:?VERSION (e.g. 2.10.1) must be set}"
build_pebble_image pebble '14000 15000' "-X main.version=v${VERSION#v}"
