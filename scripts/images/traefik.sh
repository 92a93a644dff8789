#!/usr/bin/env bash
# docker.io/library/traefik:VERSION (Traefik v3, the lab's Gateway API controller) from
# github.com/traefik/traefik/v3@VERSION, built inside a copy of the module (its go.mod has replaces).
# The web UI assets are not in the module (webui/static is a placeholder), so the dashboard is empty;
# the proxy, the providers and the Gateway API controller are complete.
source "$(dirname "$0")/lib.sh"
: "${VERSION:?}"
t0=$SECONDS
ctx=$(context_dir)
src="$BUILD_ROOT/src/traefik-$VERSION"
module_copy "github.com/traefik/traefik/v3@$VERSION" "$src"
commit=$(GOFLAGS=-mod=mod go mod download -json "github.com/traefik/traefik/v3@$VERSION" | jq -r '.Origin.Hash // empty' | cut -c1-8)
ld="-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=${VERSION#v} -X github.com/traefik/traefik/v3/pkg/version.Codename=certlab -X github.com/traefik/traefik/v3/pkg/version.BuildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
(cd "$src" && GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 nice -n 10 go build -trimpath -ldflags "$ld" -o "$ctx/traefik" ./cmd/traefik)
rm -rf "$src"
build_scratch_image "$ctx" --zoneinfo traefik /usr/local/bin/traefik 'EXPOSE 80'
say "built $IMAGE in $((SECONDS - t0))s"
