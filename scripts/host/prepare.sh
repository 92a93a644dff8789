#!/usr/bin/env bash
# Makes a container engine reachable for the lab. Idempotent: a second run changes nothing.
# - An engine already answering (Docker, Podman's socket, DOCKER_HOST) is used as it is.
# - On Debian with none running: installs docker.io, starts dockerd, and where the host's capability
#   bounding set lacks capabilities that privileged containers ask for, registers a runtime wrapper that
#   strips exactly those (read from /proc/self/status, not hard-coded).
set -euo pipefail

log() { printf 'host: %s\n' "$*"; }
die() { printf 'certlab: %s\n' "$*" >&2; exit 1; }

RUNTIME_NAME=certlab-runc
WRAPPER=/usr/local/lib/certlab/runc-capfilter
DOCKERD_LOG=/var/log/certlab-dockerd.log

engine_answers() { docker info >/dev/null 2>&1; }

# Capability names by bit number, as in linux/capability.h.
CAP_NAMES=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE
  NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT
  SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE
  AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ
  PERFMON BPF CHECKPOINT_RESTORE)

missing_capabilities() {
  local bnd; bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
  local i out=()
  for i in "${!CAP_NAMES[@]}"; do
    if (( (16#$bnd >> i & 1) == 0 )); then out+=("CAP_${CAP_NAMES[$i]}"); fi
  done
  echo "${out[*]:-}"
}

# Chromium renders the HTML report in the browser test; dnsutils gives people dig and nsupdate.
install_host_tools() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v dig >/dev/null 2>&1 || missing+=(bind9-dnsutils)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  [ ${#missing[@]} -eq 0 ] && return
  command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ] || { log "not installing ${missing[*]} (needs root on Debian)"; return; }
  log "installing ${missing[*]} from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_engine() {
  if command -v dockerd >/dev/null 2>&1 && command -v jq >/dev/null 2>&1 && command -v runc >/dev/null 2>&1; then return; fi
  command -v apt-get >/dev/null 2>&1 || die "no container engine answers and this is not a Debian-like host; start Docker or Podman (or set DOCKER_HOST) and run again"
  log "installing docker.io, jq from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends docker.io jq iptables ca-certificates >/dev/null
}

write_wrapper() {
  local missing="$1"
  mkdir -p "$(dirname "$WRAPPER")"
  local want
  want=$(cat <<WRAP
#!/bin/sh
# Written by certlab scripts/host/prepare.sh: removes capabilities this host's bounding set lacks
# ($missing) from the OCI spec before runc sees it, so privileged containers can start.
DROP='$(printf '%s\n' $missing | jq -R . | jq -sc .)'
strip() { [ -f "\$1" ] || return 0; t="\$1.certlab"; jq --argjson d "\$DROP" "\$2" "\$1" > "\$t" && mv "\$t" "\$1"; }
SPEC='if .process.capabilities then .process.capabilities |= with_entries(.value |= (. // [] | map(select(. as \$c | \$d | index(\$c) | not)))) else . end'
PROC='if .capabilities then .capabilities |= with_entries(.value |= (. // [] | map(select(. as \$c | \$d | index(\$c) | not)))) else . end'
bundle=""; prev=""
for a in "\$@"; do
  case "\$prev" in
    --bundle|-b) bundle="\$a" ;;
    --process|-p) strip "\$a" "\$PROC" ;;
  esac
  case "\$a" in
    --bundle=*) bundle="\${a#--bundle=}" ;;
    --process=*) strip "\${a#--process=}" "\$PROC" ;;
  esac
  prev="\$a"
done
[ -n "\$bundle" ] && strip "\$bundle/config.json" "\$SPEC"
exec runc "\$@"
WRAP
)
  if [ ! -f "$WRAPPER" ] || [ "$(cat "$WRAPPER")" != "$want" ]; then
    printf '%s\n' "$want" > "$WRAPPER"; chmod 0755 "$WRAPPER"; log "wrote runtime wrapper $WRAPPER (drops: $missing)"
  fi
}

start_dockerd() {
  local missing="$1" args=()
  if [ -n "$missing" ]; then
    write_wrapper "$missing"
    args+=(--add-runtime "$RUNTIME_NAME=$WRAPPER" --default-runtime "$RUNTIME_NAME")
  fi
  log "starting dockerd (log: $DOCKERD_LOG)"
  nohup dockerd "${args[@]}" >>"$DOCKERD_LOG" 2>&1 </dev/null &
  for _ in $(seq 1 60); do engine_answers && return 0; sleep 0.5; done
  die "dockerd did not answer within 30 s; see $DOCKERD_LOG"
}

install_host_tools
if engine_answers; then
  log "container engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo unknown))"
  exit 0
fi
if [ -n "${DOCKER_HOST:-}" ]; then die "DOCKER_HOST=$DOCKER_HOST does not answer; start that engine or unset DOCKER_HOST"; fi
[ "$(id -u)" = 0 ] || die "no container engine answers; start Docker (or run scripts/host/prepare.sh as root to install and start one)"
install_engine
start_dockerd "$(missing_capabilities)"
log "container engine ready ($(docker version --format '{{.Server.Version}}'))"
