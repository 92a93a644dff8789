# Shared helpers for image build scripts. Sourced, not run.
# Every script receives IMAGE (the exact reference to tag) and VERSION from `certlab images build`.
set -euo pipefail
: "${IMAGE:?IMAGE (the reference to tag) must be set}"
CERTLAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_ROOT=${CERTLAB_BUILD_DIR:-$HOME/.cache/certlab/build}
BASE_IMAGE=${CERTLAB_BASE_IMAGE:-certlab.local/debian:bookworm}
export GOFLAGS=${GOFLAGS:-} GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
mkdir -p "$BUILD_ROOT"

say() { printf '  [%s] %s\n' "$(basename "$0" .sh)" "$*" >&2; }

# A fresh build context directory for this image.
context_dir() { local d="$BUILD_ROOT/ctx/$(basename "$0" .sh)"; rm -rf "$d"; mkdir -p "$d"; echo "$d"; }

# Static Go binary from the module proxy: go_install_static OUT_DIR PKG@VERSION [ldflags]
go_install_static() {
  local out="$1" pkg="$2" ldflags="${3:-}"
  GOBIN="$out" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w $ldflags" "$pkg"
}

# Writable copy of a downloaded module (for modules whose go.mod has replace directives).
module_copy() {
  local mod="$1" dest="$2" dir
  dir=$(GOFLAGS=-mod=mod go mod download -json "$mod" | jq -r .Dir)
  [ -n "$dir" ] && [ "$dir" != null ] || { echo "cannot download $mod" >&2; return 1; }
  rm -rf "$dest"; cp -r "$dir" "$dest"; chmod -R u+w "$dest"
}

ensure_base_image() {
  docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 || IMAGE="$BASE_IMAGE" bash "$CERTLAB_ROOT/scripts/images/debian-base.sh"
}

# For images made from Debian packages on the base: the base has only bookworm main, so `mirror` (the base's)
# and `security` (the host's security mirror) give bookworm-updates and bookworm-security.
debian_mirrors() {
  ensure_base_image
  mirror=$(docker run --rm "$BASE_IMAGE" awk '/^deb / {print $2; exit}' /etc/apt/sources.list)
  security=$( { awk '/^deb / && /security/ {print $2; exit}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
                awk '/^URIs:/ && /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null; } | head -1 || true)
  security=${security:-http://deb.debian.org/debian-security}
}

# docker build, labelled certlab.image.source=local so a local build can be told from a pulled image
# (`docker images --filter label=certlab.image.source=local`). Never a certlab.lab label: that key belongs
# to labs (its value is a lab's name), and containers inherit their image's labels.
# --force-rm: a step that fails would otherwise leave its stopped container behind.
build_image() { docker build -q --force-rm --label certlab.image.source=local -t "$IMAGE" "$@" >/dev/null; }

# The official images of single static binaries are distroless; FROM scratch with the base image's CA bundle
# (and with --zoneinfo its tz database, for binaries that load time zones) stands in for them.
# build_scratch_image CTX [--zoneinfo] BINARY PATH [INSTRUCTION...]: BINARY from CTX at PATH, the entrypoint;
# the instructions (EXPOSE, WORKDIR, USER) come before ENTRYPOINT.
build_scratch_image() {
  local ctx=$1 zoneinfo= extra=
  shift
  if [ "$1" = --zoneinfo ]; then zoneinfo=$'COPY --from=certs /usr/share/zoneinfo /usr/share/zoneinfo\n'; shift; fi
  local bin=$1 path=$2
  shift 2
  [ $# -eq 0 ] || printf -v extra '%s\n' "$@"
  ensure_base_image
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $BASE_IMAGE AS certs
FROM scratch
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY --from=certs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
${zoneinfo}COPY $bin $path
${extra}ENTRYPOINT ["$path"]
DOCKERFILE
  build_image "$ctx"
}
