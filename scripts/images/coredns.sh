#!/usr/bin/env bash
# coredns/coredns:<VERSION> from the Go module proxy, laid out like the official image (CoreDNS's Dockerfile
# at that tag): the static binary at /coredns with the cap_net_bind_service file capability,
# ENTRYPOINT ["/coredns"], USER 65532:65532, WORKDIR /, EXPOSE 53 53/udp. The official base is
# gcr.io/distroless/static-debian12:nonroot, which cannot be pulled here; FROM scratch plus the parts of it
# that matter (CA bundle from the host, passwd/group with root, nobody and nonroot, nsswitch.conf, /tmp,
# /home/nonroot, the distroless PATH and SSL_CERT_FILE) stands in for it.
source "$(dirname "$0")/lib.sh"
: "${VERSION:?VERSION (e.g. 1.14.7) must be set}"
ver=v${VERSION#v}
ctx=$(context_dir)

# The release Makefile also sets coremain.GitCommit; the module proxy does not give the commit, so it stays empty.
say "go install github.com/coredns/coredns@$ver"
( renice -n 10 -p "$BASHPID" >/dev/null; go_install_static "$ctx" "github.com/coredns/coredns@$ver" )

command -v setcap >/dev/null || { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libcap2-bin >/dev/null; }
setcap cap_net_bind_service=+ep "$ctx/coredns"

root="$ctx/rootfs"
mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/home" "$ctx/nonroot-home"
chmod 1777 "$root/tmp"
chmod 700 "$ctx/nonroot-home"  # COPY --chown below creates /home/nonroot owned by nonroot (mode 755 with the legacy builder)
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
chmod 644 "$root/etc/ssl/certs/ca-certificates.crt"
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
EOF
echo 'hosts: files dns' >"$root/etc/nsswitch.conf"
chmod 644 "$root/etc/passwd" "$root/etc/group" "$root/etc/nsswitch.conf"

cat >"$ctx/Dockerfile" <<EOF
FROM scratch
COPY rootfs/ /
COPY --chown=65532:65532 nonroot-home/ /home/nonroot/
COPY coredns /coredns
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
LABEL org.opencontainers.image.source="https://github.com/coredns/coredns" org.opencontainers.image.version="${ver#v}"
USER 65532:65532
WORKDIR /
EXPOSE 53 53/udp
ENTRYPOINT ["/coredns"]
EOF
build_image "$ctx"
say "built $IMAGE"
