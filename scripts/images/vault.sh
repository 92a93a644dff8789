#!/usr/bin/env bash
# hashicorp/vault:<VERSION> built from source through the Go module proxy, laid out like the official image
# (the Dockerfile's "default" target and .release/docker/docker-entrypoint.sh at the release tag): the static
# `vault` binary at /bin/vault, user and group vault, /vault/{config,file,logs} owned by vault,
# VOLUME /vault/logs and /vault/file, EXPOSE 8200, ENTRYPOINT ["docker-entrypoint.sh"], CMD ["server", "-dev"],
# no USER (the entrypoint drops to vault itself, as the official one does with su-exec).
# Differences: the local Debian bookworm base instead of Alpine (no pull possible), no web UI (built without
# the `ui` tag: API and CLI are complete), and a smaller entrypoint (setpriv instead of su-exec/dumb-init, no
# *_INTERFACE address helpers).
#
# How the source is fetched: github.com/hashicorp/vault@v<VERSION> is a plain module version on the proxy, but
# its go.mod replaces api, api/auth/* and sdk with local directories that module zips leave out (they are
# nested modules). In a writable copy those replaces are dropped so the published sub-module versions that
# go.mod requires are used; a required sub-module the proxy does not serve is dropped when only tests import
# it, which the build then proves.
source "$(dirname "$0")/lib.sh"
: "${VERSION:?VERSION (e.g. 1.21.4) must be set}"
ver=${VERSION#v}
# Only the module proxy: never fall back to fetching repositories directly.
export GOPROXY=${GOPROXY:-https://proxy.golang.org} GOWORK=off CGO_ENABLED=0

# Release -> git commit of its tag, only for `vault version` and the image labels (the module proxy does not
# give it). None is known here yet; without one `vault version` prints no commit.
declare -A commits=()
commit=${commits[$ver]:-}
ctx=$(context_dir)
src="$BUILD_ROOT/src/vault-$ver"
mkdir -p "$BUILD_ROOT/src"

say "github.com/hashicorp/vault@v$ver"
module_copy "github.com/hashicorp/vault@v$ver" "$src"
# BuildDate: the release commit's time, as the release build sets it (the proxy's .info Time).
build_date=$(go mod download -json "github.com/hashicorp/vault@v$ver" | jq -r .Info | xargs jq -r .Time)
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

# Release branches carry their own api/ and sdk/ trees, which the published sub-module versions do not always
# match: where the build needs it, a small source patch per release adapts the release's code to the sdk it
# gets (each edit must apply, or the build stops).
replace_once() {  # FILE OLD NEW
  local text; text=$(<"$1")
  [[ $text == *"$2"* ]] || { echo "vault.sh: patch for $ver does not apply to $1" >&2; return 1; }
  printf '%s\n' "${text/"$2"/"$3"}" >"$1"
}
case "$ver" in
  1.21.4)
    # go.mod requires sdk v0.21.0, whose framework.Backend.ActivationFunc takes a third (flag name) argument
    # and whose keysutil.LockManager.RestorePolicy returns only an error; the release's own sdk tree differs.
    # (sdk v0.20.0 lacks TryRecordObservationWithRequest; v0.24.0+ lack the release's billing hooks.)
    say "  compatibility patch for sdk $(go mod edit -json | jq -r '.Require[] | select(.Path == "github.com/hashicorp/vault/sdk") | .Version')"
    replace_once vault/identity_store.go \
      'ActivationFunc: iStore.activateDeduplication,' \
      'ActivationFunc: func(ctx context.Context, req *logical.Request, _ string) error { return iStore.activateDeduplication(ctx, req) },'
    replace_once vault/logical_system_activation_flags.go \
      'b.idStoreBackend.ActivationFunc(ctx, nil)' \
      'b.idStoreBackend.ActivationFunc(ctx, nil, "")'
    replace_once builtin/logical/transit/path_restore.go \
      'restoredKeyName, err := b.lm.RestorePolicy(ctx, req.Storage, keyName, backupB64, force)' \
      'restoredKeyName := keyName
	err := b.lm.RestorePolicy(ctx, req.Storage, keyName, backupB64, force)'
    ;;
esac

# The ldflags of scripts/ci-helper.sh's build (GitCommit, BuildDate, Version), minus the `ui` tag.
say "go build (CGO_ENABLED=0, -trimpath, no ui tag)"
nice -n 10 go build -mod=mod -trimpath -o "$ctx/vault" \
  -ldflags "-s -w -X github.com/hashicorp/vault/version.GitCommit=$commit -X github.com/hashicorp/vault/version.BuildDate=$build_date -X github.com/hashicorp/vault/version.Version=$ver" \
  . 2> >(grep -v '^go: downloading ' >&2)
chmod 0755 "$ctx/vault"
"$ctx/vault" version | grep -q "^Vault v$ver[ ,]" || { echo "vault.sh: built binary reports: $("$ctx/vault" version)" >&2; exit 1; }
cp LICENSE "$ctx/LICENSE.txt"

cat >"$ctx/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# The essentials of Vault's .release/docker/docker-entrypoint.sh.
set -e
ulimit -c 0 2>/dev/null || true

VAULT_CONFIG_DIR=/vault/config
# VAULT_LOCAL_CONFIG: configuration JSON without binding a volume.
if [ -n "$VAULT_LOCAL_CONFIG" ]; then
    echo "$VAULT_LOCAL_CONFIG" > "$VAULT_CONFIG_DIR/local.json"
fi

# Flags only: run vault with them.
case "$1" in -*) set -- vault "$@" ;; esac

# A vault subcommand: run vault with it (`server` gets the config dir and the dev defaults).
if [ "$1" = 'server' ]; then
    shift
    set -- vault server \
        -config="$VAULT_CONFIG_DIR" \
        -dev-root-token-id="$VAULT_DEV_ROOT_TOKEN_ID" \
        -dev-listen-address="${VAULT_DEV_LISTEN_ADDRESS:-0.0.0.0:8200}" \
        "$@"
elif [ "$1" = 'version' ]; then
    set -- vault "$@"
elif vault --help "$1" 2>&1 | grep -q "vault $1"; then
    set -- vault "$@"
fi

# Running vault as root: own the data dirs and drop to the vault user, keeping IPC_LOCK (mlock) when the
# container has it.
if [ "$1" = 'vault' ] && [ "$(id -u)" = '0' ]; then
    if [ -z "$SKIP_CHOWN" ]; then
        for d in /vault/config /vault/logs /vault/file; do
            [ "$(stat -c %u "$d")" = "$(id -u vault)" ] || chown -R vault:vault "$d" || echo "Could not chown $d"
        done
    fi
    caps=
    bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
    if [ -z "$SKIP_SETCAP" ] && [ -n "$bnd" ] && [ $(( (0x$bnd >> 14) & 1 )) = 1 ]; then
        caps='--inh-caps=+ipc_lock --ambient-caps=+ipc_lock'
    fi
    # su-exec sets HOME to the user's; setpriv does not.
    HOME=$(getent passwd vault | cut -d: -f6); export HOME
    # shellcheck disable=SC2086
    set -- setpriv --reuid=vault --regid=vault --init-groups $caps "$@"
fi

exec "$@"
EOF
chmod 0755 "$ctx/docker-entrypoint.sh"

ensure_base_image
cat >"$ctx/Dockerfile" <<EOF
FROM $BASE_IMAGE
LABEL name="Vault" \\
      maintainer="Vault Team <vault@hashicorp.com>" \\
      vendor="HashiCorp" \\
      version="$ver" \\
      release="$commit" \\
      revision="$commit" \\
      summary="Vault is a tool for securely accessing secrets." \\
      org.opencontainers.image.source="https://github.com/hashicorp/vault" \\
      org.opencontainers.image.version="$ver"
COPY LICENSE.txt /usr/share/doc/vault/LICENSE.txt
ENV NAME=vault
RUN groupadd --system vault && \\
    useradd --system --gid vault --create-home --home-dir /home/vault --shell /usr/sbin/nologin vault
COPY vault /usr/bin/vault
RUN mkdir -p /vault/logs /vault/file /vault/config && \\
    chown -R vault:vault /vault
VOLUME /vault/logs
VOLUME /vault/file
EXPOSE 8200
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["server", "-dev"]
EOF
say "docker build FROM $BASE_IMAGE"
build_image "$ctx"
say "built $IMAGE (Vault v$ver${commit:+, $commit})"
