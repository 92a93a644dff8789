#!/usr/bin/env bash
# registry.k8s.io/e2e-test-images/agnhost:<tag> (the lab's echo backend: `agnhost netexec`) from the package
# test/images/agnhost of k8s.io/kubernetes@VERSION, built like the release binaries (k8s-common.sh, same
# module copy and build cache); the tag is that tree's test/images/agnhost/VERSION, set as main.Version as
# its Makefile does. Laid out like its Dockerfile: /agnhost the entrypoint with CMD pause, /agnhost-2 a
# link to it, /localhost.crt and /localhost.key (porter), /uploads (netexec), user-defined-in-image (uid
# 1000) in group-defined-in-image (gid 50000), the same EXPOSEd ports, and the tools the e2e tests use
# (dig, curl, nc, ss, iperf, bash). Differences: Debian's userland instead of Alpine, and no /coredns
# (the official image unpacks a CoreDNS 1.6.2 release for a few DNS e2e tests).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/k8s-common.sh"
: "${VERSION:?VERSION (the k8s.io/kubernetes version) must be set}"
t0=$SECONDS
tag=${IMAGE##*:}
dir=$(GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$VERSION" | jq -r .Dir)
[ "$(cat "$dir/test/images/agnhost/VERSION")" = "$tag" ] || {
  echo "k8s.io/kubernetes@$VERSION has agnhost $(cat "$dir/test/images/agnhost/VERSION"), not $tag" >&2; exit 1; }
debian_mirrors
ctx=$(context_dir)
k8s_go_build "$VERSION" "$ctx/agnhost" "-X main.Version=$tag" ./test/images/agnhost
cp "$dir/test/images/agnhost/porter/localhost.crt" "$dir/test/images/agnhost/porter/localhost.key" "$ctx/"
chmod 644 "$ctx/localhost.crt" "$ctx/localhost.key"
cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $BASE_IMAGE
RUN set -eu; \\
    printf 'deb %s bookworm-updates main\ndeb %s bookworm-security main\n' '$mirror' '$security' >/etc/apt/sources.list.d/updates.list; \\
    apt-get update -qq; \\
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\
      bind9-dnsutils curl ca-certificates netcat-openbsd iproute2 iperf bash >/dev/null; \\
    apt-get clean; rm -rf /var/lib/apt/lists/*; \\
    ln -s /usr/bin/iperf /usr/local/bin/iperf; \\
    mkdir /uploads; \\
    useradd --uid 1000 --no-create-home user-defined-in-image; \\
    groupadd --gid 50000 group-defined-in-image; \\
    usermod -a -G group-defined-in-image user-defined-in-image
EXPOSE 80 8080 8081 9376 5000
COPY localhost.crt localhost.key agnhost /
RUN ln -s agnhost /agnhost-2
ENTRYPOINT ["/agnhost"]
CMD ["pause"]
DOCKERFILE
build_image "$ctx"
say "built $IMAGE in $((SECONDS - t0))s"
