#!/usr/bin/env bash
# docker.io/kindest/local-path-provisioner:<kind tag> (kind's default storage) from
# github.com/rancher/local-path-provisioner@VERSION. kind's tag was cut from a later upstream commit that the
# proxy does not serve; v0.0.30 is the newest version it does. Binary at /usr/local/bin/local-path-provisioner.
source "$(dirname "$0")/lib.sh"
: "${VERSION:?}"
t0=$SECONDS
ctx=$(context_dir)
nice -n 10 bash -c "$(declare -f go_install_static); go_install_static '$ctx' 'github.com/rancher/local-path-provisioner@$VERSION' '-X main.VERSION=$VERSION'"
build_scratch_image "$ctx" local-path-provisioner /usr/local/bin/local-path-provisioner
say "built $IMAGE in $((SECONDS - t0))s"
