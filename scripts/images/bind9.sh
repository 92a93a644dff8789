#!/usr/bin/env bash
# internetsystemsconsortium/bind9:<VERSION> (a 9.x branch, e.g. 9.18) from Debian bookworm's bind9 package on
# top of the local Debian base, laid out like ISC's image (isc-projects/bind9-docker, branch v<VERSION>):
# named at /usr/sbin/named, user and group bind with uid/gid 53, /etc/bind root:bind, /var/cache/bind,
# /var/lib/bind, /var/log/bind and /run/named bind:bind, the same VOLUMEs, EXPOSEd ports, ENTRYPOINT and CMD.
# Differences: Debian's userland and package build instead of Alpine and ISC's source build (bookworm ships
# 9.18.x, not necessarily ISC's newest 9.18 patch release), and Debian's default configuration in /etc/bind
# (named.conf including named.conf.options/local/default-zones, plus an rndc.key made at install time)
# instead of ISC's single named.conf. bind9-utils and bind9-dnsutils (dig, nsupdate, delv, rndc...) are
# installed too; ISC's source build installs those tools as well.
source "$(dirname "$0")/lib.sh"
: "${VERSION:?VERSION (e.g. 9.18) must be set}"
debian_mirrors
ctx=$(context_dir)

cat >"$ctx/Dockerfile" <<EOF
FROM $BASE_IMAGE
ENV LC_ALL=C.UTF-8
RUN set -eu; \\
    printf 'deb %s bookworm-updates main\ndeb %s bookworm-security main\n' '$mirror' '$security' >/etc/apt/sources.list.d/updates.list; \\
    groupadd --system --gid 53 bind; \\
    useradd --system --uid 53 --gid bind --home-dir /var/cache/bind --no-create-home --shell /usr/sbin/nologin bind; \\
    apt-get update -qq; \\
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bind9 bind9-utils bind9-dnsutils >/dev/null; \\
    apt-get clean; rm -rf /var/lib/apt/lists/*; \\
    case "\$(dpkg-query -W -f '\${Version}' bind9)" in 1:$VERSION.*) ;; *) echo "bind9 is not $VERSION.x" >&2; exit 1;; esac; \\
    mkdir -p /etc/bind && chown root:bind /etc/bind && chmod 755 /etc/bind; \\
    mkdir -p /var/cache/bind && chown bind:bind /var/cache/bind && chmod 755 /var/cache/bind; \\
    mkdir -p /var/lib/bind && chown bind:bind /var/lib/bind && chmod 755 /var/lib/bind; \\
    mkdir -p /var/log/bind && chown bind:bind /var/log/bind && chmod 755 /var/log/bind; \\
    mkdir -p /run/named && chown bind:bind /run/named && chmod 755 /run/named
LABEL org.opencontainers.image.authors="BIND 9 Developers <bind9-dev@isc.org>" org.opencontainers.image.version="$VERSION"
VOLUME ["/etc/bind", "/var/cache/bind", "/var/lib/bind", "/var/log"]
EXPOSE 53/udp 53/tcp 953/tcp 853/tcp 443/tcp
ENTRYPOINT ["/usr/sbin/named", "-u", "bind"]
CMD ["-f", "-c", "/etc/bind/named.conf", "-L", "/var/log/bind/default.log"]
EOF
say "docker build FROM $BASE_IMAGE with Debian's bind9 (mirror $mirror, security $security)"
build_image "$ctx"
say "built $IMAGE"
