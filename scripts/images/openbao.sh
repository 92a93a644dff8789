#!/usr/bin/env bash
# openbao/openbao:<VERSION> built from source through the Go module proxy, laid out like the official image
# (the Dockerfile's "default" target and .release/docker/docker-entrypoint.sh at the release tag): the static
# `bao` binary at /bin/bao with a /bin/vault symlink, user and group openbao, /openbao/{config,file,logs}
# owned by openbao, VOLUME /openbao/logs and /openbao/file, EXPOSE 8200,
# ENTRYPOINT ["docker-entrypoint.sh"], CMD ["server", "-dev", "-dev-no-store-token"], no USER (the entrypoint
# drops to openbao itself, as the official one does with su-exec).
# Differences: the local Debian bookworm base instead of Alpine (no pull possible), no web UI (built without
# the `ui` tag: API and CLI are complete), and a smaller entrypoint (setpriv instead of su-exec/dumb-init, no
# *_INTERFACE address helpers).
#
# How the source is fetched: OpenBao 2.x tags (v2.x.y) are not valid versions of the Go module
# github.com/openbao/openbao (its path has no /v2), so the release is fetched by the pseudo-version of the
# tag's commit. Its go.mod replaces api/v2, api/auth/*/v2 and sdk/v2 with local directories that module zips
# leave out (they are nested modules): in a writable copy, those replaces are dropped so the published
# sub-module versions that go.mod requires are used; a required sub-module the proxy does not serve is
# dropped when only tests import it (api/auth/approle and api/auth/userpass), which the build then proves.
source "$(dirname "$0")/lib.sh"
: "${VERSION:?VERSION (e.g. 2.4.0) must be set}"
ver=${VERSION#v}
# Only the module proxy: never fall back to fetching repositories directly.
export GOPROXY=${GOPROXY:-https://proxy.golang.org} GOWORK=off CGO_ENABLED=0

# Release -> "commit-time(UTC, yyyymmddhhmmss) full-commit" of the tag (commit from the tag; the time is the
# one in the module proxy's pseudo-version). Add a release here to build it.
case "$ver" in
  2.4.0) rel="20250828202315 f9407a27fbee45f62ba521bba2bf1e2360c61031" ;;
  # Untested: this machine's module proxy refuses this pseudo-version (403 "This module version is not
  # available"), as it does 2.4.4 to 2.7.1, whose commit times are not known here.
  2.6.0) rel="20260714163401 03e3a243b6f07d17c60ce0a182adee7cf4c424eb" ;;
  *) echo "openbao.sh: no commit known for OpenBao $ver (add it to the table in $0)" >&2; exit 1 ;;
esac
read -r ctime commit <<<"$rel"
pseudo="v0.0.0-$ctime-${commit:0:12}"
build_date="${ctime:0:4}-${ctime:4:2}-${ctime:6:2}T${ctime:8:2}:${ctime:10:2}:${ctime:12:2}Z"
ctx=$(context_dir)
src="$BUILD_ROOT/src/openbao-$ver"
mkdir -p "$BUILD_ROOT/src"

say "github.com/openbao/openbao@$pseudo (v$ver, $commit)"
module_copy "github.com/openbao/openbao@$pseudo" "$src"
cd "$src"

# Local replaces whose directory the module zip left out -> use the published sub-module instead.
go mod edit -json | jq -r '.Replace[]? | select(.New.Path | startswith("./") or startswith("../")) | "\(.Old.Path) \(.New.Path)"' |
  while read -r mod dir; do
    [ -e "$dir/go.mod" ] && continue
    go mod edit -dropreplace "$mod"
    want=$(go mod edit -json | jq -r --arg m "$mod" '.Require[]? | select(.Path == $m) | .Version')
    [ -n "$want" ] || continue
    if nice -n 10 go mod download "$mod@$want" 2>/dev/null; then
      say "  $mod: local replace dropped, using $want"
    else
      go mod edit -droprequire "$mod"
      say "  $mod: $want not on the proxy, requirement dropped (imported by tests only)"
    fi
  done

# Same ldflags as goreleaser.linux.yaml, minus the `ui` tag; BuildDate is the commit time (reproducible).
say "go build (CGO_ENABLED=0, -trimpath, no ui tag)"
nice -n 10 go build -mod=mod -trimpath -o "$ctx/bao" \
  -ldflags "-s -w -X github.com/openbao/openbao/version.fullVersion=$ver -X github.com/openbao/openbao/version.GitCommit=$commit -X github.com/openbao/openbao/version.BuildDate=$build_date" \
  . 2> >(grep -v '^go: downloading ' >&2)
chmod 0755 "$ctx/bao"
"$ctx/bao" version | grep -q "^OpenBao v$ver " || { echo "openbao.sh: built binary reports: $("$ctx/bao" version)" >&2; exit 1; }
cp LICENSE "$ctx/LICENSE"

cat >"$ctx/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# The essentials of OpenBao's .release/docker/docker-entrypoint.sh.
set -e
ulimit -c 0 2>/dev/null || true

BAO_CONFIG_DIR=/openbao/config
# BAO_LOCAL_CONFIG: configuration JSON without binding a volume.
if [ -n "$BAO_LOCAL_CONFIG" ]; then
    echo "$BAO_LOCAL_CONFIG" > "$BAO_CONFIG_DIR/local.json"
fi

# Flags only: run bao with them.
case "$1" in -*) set -- bao "$@" ;; esac

# A bao subcommand: run bao with it (`server` gets the config dir and the dev defaults).
if [ "$1" = 'server' ]; then
    shift
    set -- bao server \
        -config="$BAO_CONFIG_DIR" \
        -dev-root-token-id="$BAO_DEV_ROOT_TOKEN_ID" \
        -dev-listen-address="${BAO_DEV_LISTEN_ADDRESS:-0.0.0.0:8200}" \
        "$@"
elif [ "$1" = 'version' ]; then
    set -- bao "$@"
elif bao --help "$1" 2>&1 | grep -q "bao $1"; then
    set -- bao "$@"
fi

# Running bao as root: own the data dirs and drop to the openbao user, keeping IPC_LOCK (mlock) when the
# container has it.
if [ "$1" = 'bao' ] && [ "$(id -u)" = '0' ]; then
    if [ -z "$SKIP_CHOWN" ]; then
        for d in /openbao/config /openbao/logs /openbao/file; do
            [ "$(stat -c %u "$d")" = "$(id -u openbao)" ] || chown -R openbao:openbao "$d" || echo "Could not chown $d"
        done
    fi
    caps=
    bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
    if [ -z "$SKIP_SETCAP" ] && [ -n "$bnd" ] && [ $(( (0x$bnd >> 14) & 1 )) = 1 ]; then
        caps='--inh-caps=+ipc_lock --ambient-caps=+ipc_lock'
    fi
    # su-exec sets HOME to the user's; setpriv does not.
    HOME=$(getent passwd openbao | cut -d: -f6); export HOME
    # shellcheck disable=SC2086
    set -- setpriv --reuid=openbao --regid=openbao --init-groups $caps "$@"
fi

exec "$@"
EOF
chmod 0755 "$ctx/docker-entrypoint.sh"

ensure_base_image
cat >"$ctx/Dockerfile" <<EOF
FROM $BASE_IMAGE
LABEL name="OpenBao" \\
      maintainer="OpenBao <openbao@lists.openssf.org>" \\
      vendor="OpenBao" \\
      version="$ver" \\
      release="$commit" \\
      revision="$commit" \\
      summary="OpenBao is a tool for securely accessing secrets." \\
      org.opencontainers.image.source="https://github.com/openbao/openbao" \\
      org.opencontainers.image.version="$ver" \\
      org.opencontainers.image.revision="$commit"
COPY LICENSE /licenses/mozilla.txt
ENV NAME=openbao
RUN groupadd --system openbao && \\
    useradd --system --gid openbao --create-home --home-dir /home/openbao --shell /usr/sbin/nologin openbao
COPY bao /usr/bin/bao
RUN ln -s bao /usr/bin/vault && \\
    mkdir -p /openbao/logs /openbao/file /openbao/config && \\
    chown -R openbao:openbao /openbao
VOLUME /openbao/logs
VOLUME /openbao/file
EXPOSE 8200
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["server", "-dev", "-dev-no-store-token"]
EOF
say "docker build FROM $BASE_IMAGE"
build_image "$ctx"
say "built $IMAGE (OpenBao v$ver, $commit)"
