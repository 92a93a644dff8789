#!/usr/bin/env bash
# ghcr.io/letsencrypt/pebble:<VERSION> from the Go module proxy, laid out like the official release image
# (pebble's Dockerfile.release + .github/workflows/release.yml at that tag): FROM scratch, the static binary
# at /app with ENTRYPOINT ["/app"], the repository's test/ tree (config and certs) at /test/, ports
# 14000 (ACME) and 15000 (management). The official release builds with -ldflags
# "-s -w -X 'main.version=<tag> (<sha>)'"; the module proxy does not give the commit, so the tag alone.
source "$(dirname "$0")/lib.sh"
: "${VERSION:?VERSION (e.g. 2.10.1) must be set}"
mod=github.com/letsencrypt/pebble/v2
ver=v${VERSION#v}
ctx=$(context_dir)

say "go install $mod/cmd/pebble@$ver"
( renice -n 10 -p "$BASHPID" >/dev/null; go_install_static "$ctx" "$mod/cmd/pebble@$ver" "-X main.version=$ver" )

# test/ (pebble-config.json, certs/localhost, the minica root) comes from the module at the same version.
src=$(go mod download -json "$mod@$ver" | jq -r .Dir)
cp -r "$src/test" "$ctx/test"
chmod -R u=rwX,go=rX "$ctx/test"

cat >"$ctx/Dockerfile" <<EOF
FROM scratch
COPY pebble /app
COPY test/ /test/
EXPOSE 14000 15000
LABEL org.opencontainers.image.source="https://github.com/letsencrypt/pebble" org.opencontainers.image.version="${ver#v}"
ENTRYPOINT ["/app"]
EOF
build_image "$ctx"
say "built $IMAGE"
