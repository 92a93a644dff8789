#!/usr/bin/env bash
# registry.k8s.io/{kube-apiserver,kube-controller-manager,kube-scheduler,kube-proxy}:VERSION from
# k8s.io/kubernetes@VERSION (see k8s-common.sh). The binary sits at /usr/local/bin/<name> as in the
# official images; kube-proxy gets a Debian userland with iptables/nftables/conntrack/ipset like the
# official distroless-iptables base, with the iptables-wrapper mode selection.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/k8s-common.sh"
: "${VERSION:?}"
name=${IMAGE%%:*}; name=${name##*/}
t0=$SECONDS
k8s_build_binaries "$VERSION"
ctx=$(context_dir)
cp "$(k8s_bin_dir "$VERSION")/$name" "$ctx/$name"
if [ "$name" = kube-proxy ]; then
  ensure_base_image
  cp "$(dirname "$0")/files/iptables-wrapper" "$ctx/iptables-wrapper"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $BASE_IMAGE
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      iptables nftables conntrack ipset kmod ebtables >/dev/null && rm -rf /var/lib/apt/lists/*
COPY iptables-wrapper /usr/sbin/iptables-wrapper
RUN for b in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do \
      ln -sf /usr/sbin/iptables-wrapper /usr/sbin/\$b; done
COPY kube-proxy /usr/local/bin/kube-proxy
ENTRYPOINT ["/usr/local/bin/kube-proxy"]
DOCKERFILE
  build_image "$ctx"
else
  build_scratch_image "$ctx" --zoneinfo "$name" "/usr/local/bin/$name"
fi
say "built $IMAGE in $((SECONDS - t0))s"
