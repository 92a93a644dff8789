#!/usr/bin/env bash
# docker.io/kindest/base:<tag> as kind VERSION's images/base/Dockerfile describes it, from Debian bookworm
# packages plus Go module proxy builds:
#   systemd, iptables, nftables, conntrack, ... (Debian, same list as kind's Dockerfile)
#   containerd 1.6.20 + runc 1.1.5 (Debian; kind's own base builds containerd 2.1 / runc 1.3 from git,
#     which the module proxy can serve but Debian's pair satisfies Kubernetes 1.34's CRI v1 needs)
#   crictl (sigs.k8s.io/cri-tools), CNI plugins host-local/loopback/ptp/portmap (containernetworking/plugins)
#   kind's entrypoint, containerd config and systemd units (images/base/files in the kind module)
source "$(dirname "$0")/lib.sh"
: "${VERSION:?kind version, e.g. v0.30.0}"
CRICTL_VERSION=${CRICTL_VERSION:-v1.34.0}
CNI_PLUGINS_VERSION=${CNI_PLUGINS_VERSION:-v1.7.1}
t0=$SECONDS
ensure_base_image
ctx=$(context_dir)
kind_dir=$(GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/kind@$VERSION" | jq -r .Dir)
cp -r "$kind_dir/images/base/files" "$ctx/files"; chmod -R u+w "$ctx/files"
mkdir -p "$ctx/bin" "$ctx/cni"
# The checksum database does not answer for cri-tools here (404) and the proxy refuses its version list, so
# `go install crictl@V` fails on its deprecation check: build inside a copy of the module, fetched unverified.
crictl_src="$BUILD_ROOT/src/cri-tools-$CRICTL_VERSION"
GONOSUMDB=sigs.k8s.io/cri-tools module_copy "sigs.k8s.io/cri-tools@$CRICTL_VERSION" "$crictl_src"
(cd "$crictl_src" && GOWORK=off GOFLAGS=-mod=mod GONOSUMDB=sigs.k8s.io/cri-tools CGO_ENABLED=0 nice -n 10 go build -trimpath \
   -ldflags "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION" -o "$ctx/bin/crictl" ./cmd/crictl)
rm -rf "$crictl_src"
for p in ipam/host-local main/loopback main/ptp main/bridge meta/portmap; do
  nice -n 10 bash -c "$(declare -f go_install_static); go_install_static '$ctx/cni' 'github.com/containernetworking/plugins/plugins/$p@$CNI_PLUGINS_VERSION' \
    '-X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$CNI_PLUGINS_VERSION'"
done
chmod 0755 "$ctx"/files/usr/local/bin/* "$ctx"/files/kind/bin/* "$ctx"/bin/* "$ctx"/cni/*
cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $BASE_IMAGE
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      systemd \
      conntrack iptables nftables iproute2 ethtool util-linux mount kmod \
      libseccomp2 pigz fuse-overlayfs \
      nfs-common open-iscsi \
      bash ca-certificates curl jq procps \
      containerd runc >/dev/null \
    && apt-get clean && rm -rf /var/lib/apt/lists/* /var/log/* /tmp/* \
    && find /lib/systemd/system/sysinit.target.wants/ -name "systemd-tmpfiles-setup.service" -delete \
    && rm -f /lib/systemd/system/multi-user.target.wants/* \
    && rm -f /etc/systemd/system/*.wants/* \
    && rm -f /lib/systemd/system/local-fs.target.wants/* \
    && rm -f /lib/systemd/system/sockets.target.wants/*udev* \
    && rm -f /lib/systemd/system/sockets.target.wants/*initctl* \
    && rm -f /lib/systemd/system/basic.target.wants/* \
    && echo "ReadKMsg=no" >> /etc/systemd/journald.conf \
    && ln -sf "\$(which systemd)" /sbin/init
COPY files/usr/local/bin/ /usr/local/bin/
COPY files/kind/ /kind/
COPY files/etc/ /etc/
COPY bin/crictl /usr/local/bin/crictl
COPY cni/ /opt/cni/bin/
RUN chmod 755 /kind /kind/bin \
    && ln -sf /usr/bin/containerd /usr/local/bin/containerd \
    && ln -sf /usr/bin/ctr /usr/local/bin/ctr \
    && ln -sf /usr/bin/containerd-shim-runc-v2 /usr/local/bin/containerd-shim-runc-v2 \
    && ctr oci spec \
        | jq '.hooks.createContainer[.hooks.createContainer| length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' \
        | jq 'del(.process.rlimits)' > /etc/containerd/cri-base.json \
    && containerd --version && runc --version && crictl --version \
    && systemctl enable kubelet.service containerd.service undo-mount-hacks.service \
    && systemctl mask systemd-binfmt.service \
    && mkdir -p /etc/kubernetes/manifests
ENV container=docker
STOPSIGNAL SIGRTMIN+3
LABEL certlab.kind.version=$VERSION
ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]
DOCKERFILE
build_image "$ctx"
say "built $IMAGE in $((SECONDS - t0))s"
