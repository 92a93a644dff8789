#!/usr/bin/env bash
# Host binaries of the Kubernetes side (not images): kind and helm, from the Go module proxy, installed as
# $CERTLAB_TOOLS_DIR/<tool>-<version>/<tool> (default ~/.cache/certlab/bin). Usage:
#   TOOL=kind VERSION=v0.30.0 bash scripts/images/k8s-tool.sh     (prints the installed path)
: "${IMAGE:=host-tool:${TOOL:-}}"
source "$(dirname "$0")/lib.sh"
: "${TOOL:?kind or helm}" "${VERSION:?}"
dir=${CERTLAB_TOOLS_DIR:-$HOME/.cache/certlab/bin}/$TOOL-$VERSION
if [ -x "$dir/$TOOL" ]; then echo "$dir/$TOOL"; exit 0; fi
t0=$SECONDS
mkdir -p "$dir"
case "$TOOL" in
  kind) go_install_static "$dir" "sigs.k8s.io/kind@$VERSION" ;;
  helm)
    # As helm's Makefile: version ldflags, and the default Kubernetes version (`helm template`, lint) from
    # the client-go minor helm is built with (0.X -> 1.X).
    moddir=$(GOFLAGS=-mod=mod go mod download -json "helm.sh/helm/v3@$VERSION" | jq -r .Dir)
    kminor=$(awk '$1=="k8s.io/client-go" {split($2,v,"."); print v[2]}' "$moddir/go.mod")
    go_install_static "$dir" "helm.sh/helm/v3/cmd/helm@$VERSION" \
      "-X helm.sh/helm/v3/internal/version.version=$VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean \
       -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$kminor \
       -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$kminor" ;;
  *) echo "unknown tool $TOOL" >&2; exit 1 ;;
esac
say "installed $TOOL $VERSION in $((SECONDS - t0))s"
echo "$dir/$TOOL"
