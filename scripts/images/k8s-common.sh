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
  local ver="$1" out src staging minor patch c missing=()
  out=$(k8s_bin_dir "$ver")
  for c in "${K8S_COMPONENTS[@]}"; do [ -x "$out/$c" ] || missing+=("$c"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  mkdir -p "$out"
  exec 9>"$BUILD_ROOT/kubernetes-$ver.lock"; flock 9
  missing=(); for c in "${K8S_COMPONENTS[@]}"; do [ -x "$out/$c" ] || missing+=("$c"); done
  [ ${#missing[@]} -eq 0 ] && { flock -u 9; return 0; }
  local t0=$SECONDS
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
  say "go build ${missing[*]} (staging modules at $staging)"
  (cd "$src" && GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 nice -n 10 go build -trimpath -tags 'providerless' \
      -ldflags "-s -w ${ld[*]}" -o "$out/" $(printf './cmd/%s ' "${missing[@]}"))
  say "kubernetes $ver binaries built in $((SECONDS - t0))s"
  rm -rf "$src"
  flock -u 9
}
