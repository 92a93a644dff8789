#!/usr/bin/env bash
# quay.io/jetstack/cert-manager-{controller,webhook,cainjector,acmesolver}:VERSION from
# github.com/cert-manager/cert-manager@VERSION (v1.11.x: the newest line whose ./cmd/* mains are in the root
# module; v1.12+ moved them to nested modules the proxy cannot serve). The four binaries are compiled once
# per version; each image holds its binary at /app/cmd/<name>/<name> like the official distroless images.
source "$(dirname "$0")/lib.sh"
: "${VERSION:?}"
name=${IMAGE%%:*}; name=${name##*/cert-manager-}
case "$name" in controller|webhook|cainjector|acmesolver) ;; *) echo "unknown cert-manager component in $IMAGE" >&2; exit 1;; esac
t0=$SECONDS
out="$BUILD_ROOT/cert-manager/$VERSION/bin"
if ! [ -x "$out/controller" ] || ! [ -x "$out/webhook" ] || ! [ -x "$out/cainjector" ] || ! [ -x "$out/acmesolver" ]; then
  exec 9>"$BUILD_ROOT/cert-manager-$VERSION.lock"; flock 9
  if ! [ -x "$out/acmesolver" ]; then
    src="$BUILD_ROOT/src/cert-manager-$VERSION"
    module_copy "github.com/cert-manager/cert-manager@$VERSION" "$src"
    commit=$(GOFLAGS=-mod=mod go mod download -json "github.com/cert-manager/cert-manager@$VERSION" | jq -r '.Origin.Hash // empty')
    ld="-s -w -X github.com/cert-manager/cert-manager/pkg/util.AppVersion=$VERSION -X github.com/cert-manager/cert-manager/pkg/util.AppGitCommit=${commit:-unknown}"
    mkdir -p "$out.tmp"
    say "go build controller webhook cainjector acmesolver"
    (cd "$src" && GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 nice -n 10 go build -trimpath -ldflags "$ld -checklinkname=0" \
       -o "$out.tmp/" ./cmd/controller ./cmd/webhook ./cmd/cainjector ./cmd/acmesolver)
    rm -rf "$out"; mv "$out.tmp" "$out"; rm -rf "$src"
    say "cert-manager $VERSION binaries built in $((SECONDS - t0))s"
  fi
  flock -u 9
fi
ctx=$(context_dir)
cp "$out/$name" "$ctx/$name"
build_scratch_image "$ctx" "$name" "/app/cmd/$name/$name" 'USER 65532:65532'
say "built $IMAGE in $((SECONDS - t0))s"
