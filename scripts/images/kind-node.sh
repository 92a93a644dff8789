#!/usr/bin/env bash
# docker.io/kindest/node:VERSION without a registry. `kind build node-image` would pull etcd, CoreDNS, pause,
# kindnetd and the local-path images, so its steps (kind pkg/build/nodeimage buildImage) are followed by hand:
#   run the base image, copy kubeadm/kubelet/kubectl to /usr/bin, write /kind/version and
#   /kind/manifests/default-{cni,storage}.yaml, point containerd's sandbox image at kubeadm's pause,
#   start containerd, import every required image (`kubeadm config images list` + kind's constants)
#   from `docker save` archives, stop containerd, `docker commit` with kind's entrypoint.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/k8s-common.sh"
: "${VERSION:?Kubernetes version, e.g. v1.34.4}"
KIND_VERSION=${KIND_VERSION:-v0.30.0}
t0=$SECONDS
kind_dir=$(GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/kind@$KIND_VERSION" | jq -r .Dir)
nodeimage="$kind_dir/pkg/build/nodeimage"
base=${KIND_BASE_IMAGE:-$(sed -n 's/^const DefaultBaseImage = "\(.*\)"/\1/p' "$nodeimage/defaults.go")}
docker image inspect "$base" >/dev/null 2>&1 || { echo "base image $base is missing: build kind-base first" >&2; exit 1; }
k8s_build_binaries "$VERSION"
bin=$(k8s_bin_dir "$VERSION")
ctx=$(context_dir)
py="$(dirname "$0")/files/kind-manifest.py"
python3 "$py" "$nodeimage/const_cni.go" defaultCNIManifest >"$ctx/default-cni.yaml"
python3 "$py" "$nodeimage/const_storage.go" defaultStorageManifest >"$ctx/default-storage.yaml"
extra_images=$(sed -n 's/^const \(kindnetdImage\|storageProvisionerImage\|storageHelperImage\) = "\(.*\)"/\2/p' "$nodeimage"/const_*.go)

id="kind-build-certlab-$$"
cleanup() { docker rm -f -v "$id" >/dev/null 2>&1 || true; }
trap cleanup EXIT
docker run -d --pull=never --entrypoint=sleep --name="$id" --security-opt seccomp=unconfined "$base" infinity >/dev/null
nx() { docker exec -i "$id" "$@"; }
for b in kubeadm kubelet kubectl; do
  docker cp "$bin/$b" "$id:/usr/bin/$b"; nx chmod +x "/usr/bin/$b"; nx chown root:root "/usr/bin/$b"
done
printf '%s' "$VERSION" | nx cp /dev/stdin /kind/version
nx mkdir -p /kind/manifests
nx cp /dev/stdin /kind/manifests/default-cni.yaml <"$ctx/default-cni.yaml"
nx cp /dev/stdin /kind/manifests/default-storage.yaml <"$ctx/default-storage.yaml"

mapfile -t required < <(nx kubeadm config images list --kubernetes-version "$VERSION" 2>/dev/null)
pause=$(printf '%s\n' "${required[@]}" | grep '/pause:')
# kind keeps containerd's configured sandbox image; here it is set to kubeadm's pause so one image serves both.
nx sed -i "s#^\(\s*sandbox_image = \).*#\1\"$pause\"#" /etc/containerd/config.toml
required+=($extra_images)

missing=()
for ref in "${required[@]}"; do docker image inspect "$ref" >/dev/null 2>&1 || missing+=("$ref"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "not built (the node will lack them): ${missing[*]}"
  for ref in "${missing[@]}"; do
    case "$ref" in *kindnetd*) ;; *) echo "required image $ref is missing; build it first" >&2; exit 1 ;; esac
  done
fi

nx bash -c 'nohup containerd >/tmp/containerd.log 2>&1 &'
for i in 1 2 3 4 5 6 7 8 9 10; do nx ctr version >/dev/null 2>&1 && break; sleep 0.5; done
nx ctr version >/dev/null || { nx cat /tmp/containerd.log >&2; exit 1; }
for ref in "${required[@]}"; do
  docker image inspect "$ref" >/dev/null 2>&1 || continue
  # (containerd 1.6's ctr has no `import --label`: the pinned label kind sets is added afterwards.)
  docker save "$ref" | nx ctr --namespace=k8s.io images import --all-platforms --no-unpack --digests - >/dev/null
  # ctr names docker.io images by their normalised name (docker.io/library/x); make sure the exact
  # reference kubeadm/kind use exists too.
  first=${ref%%/*}
  if [ "$first" = "$ref" ]; then full="docker.io/library/$ref"
  elif [[ "$first" == *.* || "$first" == *:* || "$first" == localhost ]]; then full=$ref
  else full="docker.io/$ref"; fi
  # (list first: `ctr ... | grep -q` can fail under pipefail when grep exits early and ctr gets SIGPIPE)
  listed=$(nx ctr --namespace=k8s.io images ls -q)
  grep -qxF "$full" <<<"$listed" || { echo "import of $ref did not produce $full" >&2; exit 1; }
  nx ctr --namespace=k8s.io images label "$full" io.cri-containerd.pinned=pinned >/dev/null
done
say "imported: $(nx ctr --namespace=k8s.io images ls -q | grep -v '^sha256:' | tr '\n' ' ')"
nx pkill containerd || true
nx rm -f /tmp/containerd.log
sleep 1
docker commit \
  --change 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]' \
  --change 'ENV HTTP_PROXY="" HTTPS_PROXY="" NO_PROXY=""' \
  --change 'LABEL certlab.image.source=local' \
  "$id" "$IMAGE" >/dev/null
say "built $IMAGE in $((SECONDS - t0))s"
