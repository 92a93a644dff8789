# Shared by the k8s-*.sh and kind-*.sh builds: compiles the Kubernetes release binaries once per version
# from k8s.io/kubernetes on the Go module proxy. Sourced after lib.sh, not run.
#
# k8s.io/kubernetes replaces every staging module (k8s.io/api, client-go, ...) with ./staging/src/...,
# which the module zip leaves out (nested modules). The staging modules are published as
# k8s.io/<name> v0.MINOR.PATCH, so the replaces are pointed there.

K8S_COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubelet kubeadm kubectl)

k8s_bin_dir() { echo "$BUILD_ROOT/kubernetes/$1/bin"; }

# k8s_build_binaries vX.Y.Z: builds all K8S_COMPONENTS into $(k8s_bin_dir vX.Y.Z), skipping when present.
k8s_build_binaries() {
  local ver="$1" out c missing=()
  out=$(k8s_bin_dir "$ver")
  for c in "${K8S_COMPONENTS[@]}"; do [ -x "$out/$c" ] || missing+=("$c"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  mkdir -p "$out"
  k8s_lock "$ver"
  missing=(); for c in "${K8S_COMPONENTS[@]}"; do [ -x "$out/$c" ] || missing+=("$c"); done
  [ ${#missing[@]} -eq 0 ] && { k8s_unlock; return 0; }
  local t0=$SECONDS
  k8s_module_build "$ver" "$out/" "" $(printf './cmd/%s ' "${missing[@]}")
  say "kubernetes $ver binaries built in $((SECONDS - t0))s"
  k8s_unlock
}

# k8s_go_build vX.Y.Z OUT LDFLAGS PKG...: other packages of k8s.io/kubernetes@vX.Y.Z (test/images/agnhost)
# built the same way, into OUT (a file, or a directory ending in /), with LDFLAGS added.
k8s_go_build() {
  k8s_lock "$1"
  k8s_module_build "$@"
  k8s_unlock
}

# One build of a version at a time: they share the module copy under $BUILD_ROOT/kubernetes/<version>/src.
k8s_lock() { exec 9>"$BUILD_ROOT/kubernetes-$1.lock"; flock 9; }
k8s_unlock() { flock -u 9; }

# k8s_module_build vX.Y.Z OUT LDFLAGS PKG... (holding the lock): a copy of the module with the staging
# replaces pointed at the published modules, go build, the copy removed.
k8s_module_build() {
  local ver="$1" out="$2" extra="$3" src staging minor patch
  shift 3
  src="$BUILD_ROOT/kubernetes/$ver/src"
  say "k8s.io/kubernetes@$ver: module copy"
  module_copy "k8s.io/kubernetes@$ver" "$src"
  minor=${ver#v1.}; patch=${minor#*.}; minor=${minor%%.*}
  staging="v0.$minor.$patch"
  local edits=()
  while read -r mod; do
    edits+=("-dropreplace=$mod" "-require=$mod@$staging")
  done < <(sed -n '/^replace (/,/^)/p' "$src/go.mod" | awk '$2=="=>" && $3 ~ /^\.\/staging/ {print $1}')
  (cd "$src" && go mod edit "${edits[@]}")
  # sample-* staging modules are not published and nothing we build imports them.
  (cd "$src" && go mod edit -droprequire=k8s.io/sample-apiserver -droprequire=k8s.io/sample-cli-plugin -droprequire=k8s.io/sample-controller)
  local commit date ld=()
  commit=$(GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$ver" | jq -r '.Origin.Hash // empty')
  date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  local k v
  for k in "gitVersion=$ver" "gitMajor=1" "gitMinor=$minor" "gitCommit=${commit:-0000000000000000000000000000000000000000}" "gitTreeState=clean" "buildDate=$date"; do
    ld+=("-X" "k8s.io/client-go/pkg/version.$k" "-X" "k8s.io/component-base/version.$k")
  done
  say "go build $* (staging modules at $staging)"
  (cd "$src" && GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 nice -n 10 go build -trimpath -tags 'providerless' \
      -ldflags "-s -w ${ld[*]}${extra:+ $extra}" -o "$out" "$@")
  rm -rf "$src"
}
