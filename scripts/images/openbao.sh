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
source "$(dirname "$0")/lib-vault-family.sh"
vault_family OpenBao bao openbao BAO
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

use_published_submodules

# Same ldflags as goreleaser.linux.yaml; BuildDate is the commit time (reproducible).
build_vault_family_binary "$ctx" "^OpenBao v$ver " \
  "-X github.com/openbao/openbao/version.fullVersion=$ver -X github.com/openbao/openbao/version.GitCommit=$commit -X github.com/openbao/openbao/version.BuildDate=$build_date"
write_vault_family_entrypoint "$ctx"

cp LICENSE "$ctx/LICENSE"
# The official image keeps `vault` as a second name of the binary, for scripts written for Vault.
build_vault_family_image "$ctx" '["server", "-dev", "-dev-no-store-token"]' vault <<EOF
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
EOF
say "built $IMAGE (OpenBao v$ver, $commit)"
