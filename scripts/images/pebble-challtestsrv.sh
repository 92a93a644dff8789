#!/usr/bin/env bash
# ghcr.io/letsencrypt/pebble-challtestsrv:<VERSION> from the Go module proxy, laid out like the official
# release image (pebble's Dockerfile.release with APP=pebble-challtestsrv): FROM scratch, the static binary
# at /app with ENTRYPOINT ["/app"], pebble's test/ tree at /test/ (the release Dockerfile copies it into
# both images), ports 5001 5002 5003 8053 8055 8443. pebble-challtestsrv has no version variable.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-pebble.sh"
: "${VERSION:?VERSION (e.g. 2.10.1) must be set}"
build_pebble_image pebble-challtestsrv '5001 5002 5003 8053 8055 8443'
