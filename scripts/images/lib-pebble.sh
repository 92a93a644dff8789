# Shared by pebble.sh and pebble-challtestsrv.sh. Sourced after lib.sh, not run.
# Both official images come from pebble's one Dockerfile.release (APP=pebble or pebble-challtestsrv).

# build_pebble_image APP PORTS [LDFLAGS]: APP from github.com/letsencrypt/pebble/v2@VERSION, static at /app
# as the entrypoint, FROM scratch. The release Dockerfile copies the repository's test/ tree (pebble-config.json,
# certs/localhost, the minica root) into both images; it comes from the module at the same version.
build_pebble_image() {
  local app=$1 ports=$2 ldflags=${3:-} mod=github.com/letsencrypt/pebble/v2 ver=v${VERSION#v} ctx src
  ctx=$(context_dir)

  say "go install $mod/cmd/$app@$ver"
  ( renice -n 10 -p "$BASHPID" >/dev/null; go_install_static "$ctx" "$mod/cmd/$app@$ver" "$ldflags" )

  src=$(go mod download -json "$mod@$ver" | jq -r .Dir)
  cp -r "$src/test" "$ctx/test"
  chmod -R u=rwX,go=rX "$ctx/test"

  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM scratch
COPY $app /app
COPY test/ /test/
EXPOSE $ports
LABEL org.opencontainers.image.source="https://github.com/letsencrypt/pebble" org.opencontainers.image.version="${ver#v}"
ENTRYPOINT ["/app"]
DOCKERFILE
  build_image "$ctx"
  say "built $IMAGE"
}
