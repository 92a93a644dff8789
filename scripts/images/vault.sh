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
source "$(dirname "$0")/lib-vault-family.sh"
vault_family Vault vault vault VAULT
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

use_published_submodules

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

# The ldflags of scripts/ci-helper.sh's build (GitCommit, BuildDate, Version).
build_vault_family_binary "$ctx" "^Vault v$ver[ ,]" \
  "-X github.com/hashicorp/vault/version.GitCommit=$commit -X github.com/hashicorp/vault/version.BuildDate=$build_date -X github.com/hashicorp/vault/version.Version=$ver"
write_vault_family_entrypoint "$ctx"

cp LICENSE "$ctx/LICENSE.txt"
build_vault_family_image "$ctx" '["server", "-dev"]' <<EOF
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
EOF
say "built $IMAGE (Vault v$ver${commit:+, $commit})"
