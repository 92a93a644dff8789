#!/usr/bin/env bash
# haproxy:<VERSION> (a 2.x branch, e.g. 2.6) from Debian bookworm's haproxy package on top of the local Debian
# base, laid out like the official image (docker-library/haproxy, <VERSION>/Dockerfile, the Debian variant):
# the binary at /usr/local/sbin/haproxy, user and group haproxy with uid/gid 99, /var/lib/haproxy owned by
# them as WORKDIR, /usr/local/etc/haproxy for the configuration, the same docker-entrypoint.sh (adds -W -db
# to `haproxy`), STOPSIGNAL SIGUSR1, USER haproxy, ENTRYPOINT and CMD. Differences: Debian's package build
# instead of the image's source build (bookworm ships 2.6.x, not necessarily the newest 2.6 patch release),
# and Debian's files beside it (/usr/sbin/haproxy, /etc/haproxy, a systemd unit nothing starts).
source "$(dirname "$0")/lib.sh"
: "${VERSION:?VERSION (e.g. 2.6) must be set}"
debian_mirrors
ctx=$(context_dir)

# The official image's entrypoint, word for word in what it does.
cat >"$ctx/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
# first arg is `-f` or `--some-option`
if [ "${1#-}" != "$1" ]; then
	set -- haproxy "$@"
fi
if [ "$1" = 'haproxy' ]; then
	shift # "haproxy"
	# "-W" master-worker mode, "-db" no background mode
	set -- haproxy -W -db "$@"
fi
exec "$@"
EOF
chmod 755 "$ctx/docker-entrypoint.sh"

# Debian's postinst makes haproxy a system user (uid 100-999) and refuses an existing uid 99, so the
# official image's uid/gid 99 is given after the install, with whatever the package's ids owned.
cat >"$ctx/Dockerfile" <<EOF
FROM $BASE_IMAGE
ENV LC_ALL=C.UTF-8
RUN set -eu; \\
    printf 'deb %s bookworm-updates main\ndeb %s bookworm-security main\n' '$mirror' '$security' >/etc/apt/sources.list.d/updates.list; \\
    apt-get update -qq; \\
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy >/dev/null; \\
    apt-get clean; rm -rf /var/lib/apt/lists/*; \\
    case "\$(dpkg-query -W -f '\${Version}' haproxy)" in $VERSION.*) ;; *) echo "haproxy is not $VERSION.x" >&2; exit 1;; esac; \\
    uid=\$(id -u haproxy); gid=\$(id -g haproxy); \\
    groupmod --gid 99 haproxy; usermod --uid 99 --gid 99 haproxy; \\
    find / -xdev \\( -uid "\$uid" -o -gid "\$gid" \\) -exec chown -h haproxy:haproxy {} +; \\
    ln -s /usr/sbin/haproxy /usr/local/sbin/haproxy; \\
    mkdir -p /var/lib/haproxy /usr/local/etc/haproxy; chown haproxy:haproxy /var/lib/haproxy
COPY docker-entrypoint.sh /usr/local/bin/
STOPSIGNAL SIGUSR1
LABEL org.opencontainers.image.version="$VERSION"
ENTRYPOINT ["docker-entrypoint.sh"]
USER haproxy
WORKDIR /var/lib/haproxy
CMD ["haproxy", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
EOF
say "docker build FROM $BASE_IMAGE with Debian's haproxy (mirror $mirror, security $security)"
build_image "$ctx"
say "built $IMAGE"
