#!/usr/bin/env bash
# registry.k8s.io/coredns/coredns:VERSION (the cluster DNS kubeadm deploys) from github.com/coredns/coredns.
source "$(dirname "$0")/lib.sh"
: "${VERSION:?}"
t0=$SECONDS
ctx=$(context_dir)
commit=$(GOFLAGS=-mod=mod go mod download -json "github.com/coredns/coredns@$VERSION" | jq -r '.Origin.Hash // empty' | cut -c1-7)
nice -n 10 bash -c "$(declare -f go_install_static); go_install_static '$ctx' 'github.com/coredns/coredns@$VERSION' '-X github.com/coredns/coredns/coremain.GitCommit=${commit:-unknown}'"
build_scratch_image "$ctx" coredns /coredns 'EXPOSE 53 53/udp'
say "built $IMAGE in $((SECONDS - t0))s"
