#!/usr/bin/env bash
# Debian bookworm base for images that need a userland (bind9, vault/openbao shells), made from Debian's
# packages with debootstrap and `docker import`, since no base image can be pulled here.
source "$(dirname "$0")/lib.sh"
command -v debootstrap >/dev/null || { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
mirror=$(awk '/^deb / && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
if [ -z "$mirror" ]; then mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true); fi
mirror=${mirror:-http://deb.debian.org/debian}
root="$BUILD_ROOT/rootfs-bookworm"
rm -rf "$root"
say "debootstrap bookworm from $mirror"
debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$mirror" >"$BUILD_ROOT/debootstrap.log" 2>&1 \
  || { tail -20 "$BUILD_ROOT/debootstrap.log" >&2; exit 1; }
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import --change 'CMD ["/bin/bash"]' --change 'LABEL certlab.image.source=local' - "$IMAGE" >/dev/null
rm -rf "$root"
say "imported $IMAGE"
