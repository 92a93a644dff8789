#!/usr/bin/env bash
# ghcr.io/letsencrypt/pebble-challtestsrv:<VERSION> from the Go module proxy, laid out like the official
# release image (pebble's Dockerfile.release with APP=pebble-challtestsrv): FROM scratch, the static binary
# at /app with ENTRYPOINT ["/app"], pebble's test/ tree at /test/ (the release Dockerfile copies it into
# both images), ports 5001 5002 5003 8053 8055 8443. pebble-challtestsrv has no version variable.
source "$(dirname "$0")/lib.sh"
: "${VERSION:?VERSION (e.g. 2.10.1) must be set}"
mod=github.com/letsencrypt/pebble/v2
ver=v${VERSION#v}
ctx=$(context_dir)

say "go install $mod/cmd/pebble-challtestsrv@$ver"
( renice -n 10 -p "$BASHPID" >/dev/null; go_install_static "$ctx" "$mod/cmd/pebble-challtestsrv@$ver" )

src=$(go mod download -json "$mod@$ver" | jq -r .Dir)
cp -r "$src/test" "$ctx/test"
chmod -R u=rwX,go=rX "$ctx/test"

cat >"$ctx/Dockerfile" <<EOF
FROM scratch
COPY pebble-challtestsrv /app
COPY test/ /test/
EXPOSE 5001 5002 5003 8053 8055 8443
LABEL org.opencontainers.image.source="https://github.com/letsencrypt/pebble" org.opencontainers.image.version="${ver#v}"
ENTRYPOINT ["/app"]
EOF
build_image "$ctx"
say "built $IMAGE"
