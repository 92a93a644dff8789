# Sourced by scripts/setup.sh, lab.sh and test.sh: makes `node` (and npm and npx, which run on the first
# `node` on the PATH) a Node.js LTS line certlab supports, 22 or newer. Where the machine's is older (Debian
# bookworm ships 18, many machines have 20), Node 22 comes from the npm registry's binary package, the one
# npm's own `node` package installs (node-linux-<arch>), into ~/.cache/certlab/node/<version>, once; later
# runs only put it on the PATH. CERTLAB_NODE=system keeps the machine's Node as it is.
CERTLAB_NODE_VERSION=22.23.3
CERTLAB_NODE_MIN_MAJOR=22

certlab_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

certlab_use_supported_node() {
  [ "${CERTLAB_NODE:-}" = system ] && return 0
  (( $(certlab_node_major) >= CERTLAB_NODE_MIN_MAJOR )) && return 0
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "certlab: Node $(node -v 2>/dev/null || echo '(none)') is older than $CERTLAB_NODE_MIN_MAJOR and there is no Node binary package for $(uname -m); install Node $CERTLAB_NODE_MIN_MAJOR or newer" >&2; return 1 ;;
  esac
  local dir="$HOME/.cache/certlab/node/$CERTLAB_NODE_VERSION"
  if [ ! -x "$dir/node_modules/.bin/node" ]; then
    command -v npm >/dev/null || { echo "certlab: Node $CERTLAB_NODE_MIN_MAJOR or newer is needed and npm is not here to fetch it; install Node $CERTLAB_NODE_MIN_MAJOR or newer" >&2; return 1; }
    echo "setup: Node $(node -v 2>/dev/null || echo '(none)') is older than $CERTLAB_NODE_MIN_MAJOR; installing Node $CERTLAB_NODE_VERSION (node-linux-$arch) into $dir"
    # Into a side folder first: an interrupted download never passes for an installed Node.
    rm -rf "$dir.part"
    npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$dir.part" "node-linux-$arch@$CERTLAB_NODE_VERSION"
    rm -rf "$dir"
    mv "$dir.part" "$dir"
  fi
  export PATH="$dir/node_modules/.bin:$PATH"
}

certlab_use_supported_node
