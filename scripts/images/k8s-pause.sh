#!/usr/bin/env bash
# registry.k8s.io/pause:VERSION from build/pause/linux/pause.c in the k8s.io/kubernetes module
# (the module of K8S_SOURCE_VERSION, default the lab's Kubernetes version), compiled static with gcc.
source "$(dirname "$0")/lib.sh"
: "${VERSION:?}"
k8s_src_ver=${K8S_SOURCE_VERSION:-v1.34.4}
t0=$SECONDS
ctx=$(context_dir)
command -v gcc >/dev/null && [ -f /usr/lib/x86_64-linux-gnu/libc.a ] || {
  apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc libc6-dev >/dev/null; }
dir=$(GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$k8s_src_ver" | jq -r .Dir)
gcc -Os -Wall -Werror -static -DVERSION="v$VERSION-certlab" -o "$ctx/pause" "$dir/build/pause/linux/pause.c"
strip "$ctx/pause"
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY pause /pause
USER 65535:65535
ENTRYPOINT ["/pause"]
DOCKERFILE
build_image "$ctx"
say "built $IMAGE in $((SECONDS - t0))s"
