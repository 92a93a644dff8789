# Shared by openbao.sh and vault.sh. Sourced after lib.sh, not run.
# OpenBao is a fork of Vault: both official images come from the same Dockerfile ("default" target) and
# .release/docker/docker-entrypoint.sh, and both modules are fetched and built the same way, so one build
# serves both and only the names differ.

# vault_family PRODUCT BIN USER ENV_PREFIX: the names the helpers below use. PRODUCT is how `BIN version`
# spells it; USER also names the data root (/USER) and ENV_PREFIX the entrypoint's variables.
vault_family() { VF_PRODUCT=$1 VF_BIN=$2 VF_USER=$3 VF_ENV=$4; }

# The module's go.mod replaces api, api/auth/* and sdk with nested modules the module zip leaves out: use the
# published sub-module versions go.mod requires instead. A requirement the proxy does not serve is dropped,
# on the assumption that only tests import it, which the build then proves. Run in the module copy.
use_published_submodules() {
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
}

# build_vault_family_binary CTX VERSION_PATTERN LDFLAGS, in the module copy. Without the `ui` tag: the web UI
# needs a JavaScript build, while API and CLI are complete without it. The binary must report the release
# (VERSION_PATTERN, for grep), or the ldflags did not take.
build_vault_family_binary() {
  local bin="$1/$VF_BIN" pattern=$2 ldflags=$3
  say "go build (CGO_ENABLED=0, -trimpath, no ui tag)"
  nice -n 10 go build -mod=mod -trimpath -o "$bin" -ldflags "-s -w $ldflags" . 2> >(grep -v '^go: downloading ' >&2)
  chmod 0755 "$bin"
  "$bin" version | grep -q "$pattern" || { echo "$(basename "$0"): built binary reports: $("$bin" version)" >&2; exit 1; }
}

# The official entrypoint minus su-exec/dumb-init (setpriv instead) and the *_INTERFACE address helpers.
write_vault_family_entrypoint() {
  sed -e "s/@PRODUCT@/$VF_PRODUCT/g" -e "s/@BIN@/$VF_BIN/g" -e "s/@USER@/$VF_USER/g" -e "s/@ENV@/$VF_ENV/g" \
    >"$1/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# The essentials of @PRODUCT@'s .release/docker/docker-entrypoint.sh.
set -e
ulimit -c 0 2>/dev/null || true

@ENV@_CONFIG_DIR=/@USER@/config
# @ENV@_LOCAL_CONFIG: configuration JSON without binding a volume.
if [ -n "$@ENV@_LOCAL_CONFIG" ]; then
    echo "$@ENV@_LOCAL_CONFIG" > "$@ENV@_CONFIG_DIR/local.json"
fi

# Flags only: run @BIN@ with them.
case "$1" in -*) set -- @BIN@ "$@" ;; esac

# A @BIN@ subcommand: run @BIN@ with it (`server` gets the config dir and the dev defaults).
if [ "$1" = 'server' ]; then
    shift
    set -- @BIN@ server \
        -config="$@ENV@_CONFIG_DIR" \
        -dev-root-token-id="$@ENV@_DEV_ROOT_TOKEN_ID" \
        -dev-listen-address="${@ENV@_DEV_LISTEN_ADDRESS:-0.0.0.0:8200}" \
        "$@"
elif [ "$1" = 'version' ]; then
    set -- @BIN@ "$@"
elif @BIN@ --help "$1" 2>&1 | grep -q "@BIN@ $1"; then
    set -- @BIN@ "$@"
fi

# Running @BIN@ as root: own the data dirs and drop to the @USER@ user, keeping IPC_LOCK (mlock) when the
# container has it.
if [ "$1" = '@BIN@' ] && [ "$(id -u)" = '0' ]; then
    if [ -z "$SKIP_CHOWN" ]; then
        for d in /@USER@/config /@USER@/logs /@USER@/file; do
            [ "$(stat -c %u "$d")" = "$(id -u @USER@)" ] || chown -R @USER@:@USER@ "$d" || echo "Could not chown $d"
        done
    fi
    caps=
    bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
    if [ -z "$SKIP_SETCAP" ] && [ -n "$bnd" ] && [ $(( (0x$bnd >> 14) & 1 )) = 1 ]; then
        caps='--inh-caps=+ipc_lock --ambient-caps=+ipc_lock'
    fi
    # su-exec sets HOME to the user's; setpriv does not.
    HOME=$(getent passwd @USER@ | cut -d: -f6); export HOME
    # shellcheck disable=SC2086
    set -- setpriv --reuid=@USER@ --regid=@USER@ --init-groups $caps "$@"
fi

exec "$@"
EOF
  chmod 0755 "$1/docker-entrypoint.sh"
}

# build_vault_family_image CTX CMD [ALIAS...], with the product's LABEL and license COPY lines on stdin.
# ALIAS: further names of the binary in /usr/bin. No USER: the entrypoint drops privileges itself, as the
# official one does.
build_vault_family_image() {
  local ctx=$1 cmd=$2 head alias links=
  shift 2
  head=$(cat)
  for alias in "$@"; do links+="ln -s $VF_BIN /usr/bin/$alias && \\"$'\n'"    "; done
  ensure_base_image
  cat >"$ctx/Dockerfile" <<EOF
FROM $BASE_IMAGE
$head
ENV NAME=$VF_USER
RUN groupadd --system $VF_USER && \\
    useradd --system --gid $VF_USER --create-home --home-dir /home/$VF_USER --shell /usr/sbin/nologin $VF_USER
COPY $VF_BIN /usr/bin/$VF_BIN
RUN ${links}mkdir -p /$VF_USER/logs /$VF_USER/file /$VF_USER/config && \\
    chown -R $VF_USER:$VF_USER /$VF_USER
VOLUME /$VF_USER/logs
VOLUME /$VF_USER/file
EXPOSE 8200
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
CMD $cmd
EOF
  say "docker build FROM $BASE_IMAGE"
  build_image "$ctx"
}
