#!/usr/bin/env bash
# docker.io/library/traefik:VERSION (Traefik v3, the lab's Gateway API controller) from
# github.com/traefik/traefik/v3@VERSION, built inside a copy of the module (its go.mod has replaces).
# The web UI assets are not in the module (webui/static is a placeholder), so the dashboard is empty;
# the proxy, the providers and the Gateway API controller are complete.
source "$(dirname "$0")/lib.sh"
: "${VERSION:?}"
t0=$SECONDS
ensure_base_image
ctx=$(context_dir)
src="$BUILD_ROOT/src/traefik-$VERSION"
module_copy "github.com/traefik/traefik/v3@$VERSION" "$src"
commit=$(GOFLAGS=-mod=mod go mod download -json "github.com/traefik/traefik/v3@$VERSION" | jq -r '.Origin.Hash // empty' | cut -c1-8)
ld="-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=${VERSION#v} -X github.com/traefik/traefik/v3/pkg/version.Codename=certlab -X github.com/traefik/traefik/v3/pkg/version.BuildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
(cd "$src" && GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 nice -n 10 go build -trimpath -ldflags "$ld" -o "$ctx/traefik" ./cmd/traefik)
rm -rf "$src"
cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $BASE_IMAGE AS certs
FROM scratch
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY --from=certs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=certs /usr/share/zoneinfo /usr/share/zoneinfo
COPY traefik /usr/local/bin/traefik
EXPOSE 80
ENTRYPOINT ["/usr/local/bin/traefik"]
DOCKERFILE
build_image "$ctx"
say "built $IMAGE in $((SECONDS - t0))s"
