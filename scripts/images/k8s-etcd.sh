#!/usr/bin/env bash
# registry.k8s.io/etcd:<etcd version>-0 from go.etcd.io/etcd/server/v3 (VERSION like 3.6.5-0).
# The server module replaces its sibling modules (api, client/pkg, client/v3, pkg) with ../ dirs the
# module zip does not carry: drop those replaces and require the published siblings at the same version.
source "$(dirname "$0")/lib.sh"
: "${VERSION:?}"
ver="v${VERSION%-*}"
t0=$SECONDS
ctx=$(context_dir)
src="$BUILD_ROOT/src/etcd-$ver"
module_copy "go.etcd.io/etcd/server/v3@$ver" "$src"
(cd "$src" && go mod edit \
   -dropreplace=go.etcd.io/etcd/api/v3 -dropreplace=go.etcd.io/etcd/client/pkg/v3 \
   -dropreplace=go.etcd.io/etcd/client/v3 -dropreplace=go.etcd.io/etcd/pkg/v3 \
   -require=go.etcd.io/etcd/api/v3@$ver -require=go.etcd.io/etcd/client/pkg/v3@$ver \
   -require=go.etcd.io/etcd/client/v3@$ver -require=go.etcd.io/etcd/pkg/v3@$ver)
commit=$(GOFLAGS=-mod=mod go mod download -json "go.etcd.io/etcd/server/v3@$ver" | jq -r '.Origin.Hash // empty' | cut -c1-9)
(cd "$src" && GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 nice -n 10 go build -trimpath \
   -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=${commit:-unknown}" -o "$ctx/etcd" .)
rm -rf "$src"
build_scratch_image "$ctx" etcd /usr/local/bin/etcd 'WORKDIR /var/etcd'
say "built $IMAGE in $((SECONDS - t0))s"
