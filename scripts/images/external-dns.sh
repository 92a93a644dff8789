#!/usr/bin/env bash
# registry.k8s.io/external-dns/external-dns:VERSION (publishes the Gateway routes' hostnames to BIND over
# RFC2136) from sigs.k8s.io/external-dns@VERSION, built inside a copy of the module. The official image is
# built by ko (.ko.yaml) on distroless/static: the binary at /ko-app/external-dns, which is the entrypoint,
# /ko-app on the PATH, the version set as .ko.yaml and the Makefile do. v0.23.0's go.mod says go 1.27.0:
# GOTOOLCHAIN=auto (lib.sh) fetches that toolchain from the module proxy (golang.org/toolchain) once.
#
# Three of its modules are not on the module proxy (403 "not available"), so the copy is changed:
# - github.com/openshift/api (openshift-route source): its requirement is dropped, so the version the
#   other modules ask for (github.com/openshift/client-go's, which external-dns requires too) is selected;
# - github.com/civo/civogo and github.com/exoscale/egoscale/v3 (no version at all): the civo and exoscale
#   providers are left out of the provider factory, so --provider=civo|exoscale says "unknown dns provider".
#   Every other provider and source is complete (the lab uses rfc2136 and the gateway-* sources).
source "$(dirname "$0")/lib.sh"
: "${VERSION:?}"
t0=$SECONDS
ctx=$(context_dir)
mod=sigs.k8s.io/external-dns
src="$BUILD_ROOT/src/external-dns-$VERSION"
module_copy "$mod@$VERSION" "$src"
(cd "$src" && go mod edit -droprequire=github.com/openshift/api &&
  openshift_api=$(GOFLAGS=-mod=mod go list -m -f '{{.Version}}' github.com/openshift/api) &&
  go mod edit -require="github.com/openshift/api@$openshift_api" && say "github.com/openshift/api at $openshift_api")
sed -i -E '/provider\/(civo|exoscale)"$|externaldns\.Provider(Civo|Exoscale):/d' "$src/provider/factory/provider.go"
! grep -qE 'civo|exoscale' "$src/provider/factory/provider.go" || { echo "provider/factory/provider.go: civo/exoscale still there" >&2; exit 1; }
commit=$(GOFLAGS=-mod=mod go mod download -json "$mod@$VERSION" | jq -r '.Origin.Hash // empty' | cut -c1-7)
ld="-X $mod/pkg/apis/externaldns.Version=$VERSION${commit:+ -X $mod/pkg/apis/externaldns.GitCommit=$commit}"
(cd "$src" && say "$(go version)" && GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 nice -n 10 go build -trimpath -ldflags "-s -w $ld" -o "$ctx/external-dns" .)
rm -rf "$src"
build_scratch_image "$ctx" --zoneinfo external-dns /ko-app/external-dns \
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/ko-app' 'ENV KO_DATA_PATH=/var/run/ko'
say "built $IMAGE in $((SECONDS - t0))s"
