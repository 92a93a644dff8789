// Images of the Kubernetes side (kind node, control plane, cert-manager, Traefik), plus the host tools
// (kind, helm) and non-image artifacts (Gateway API CRDs, cert-manager chart, Traefik manifests).
//
// At the pinned versions every image is built from source (Go module proxy + Debian packages) by
// scripts/images/<build>.sh and tagged with exactly the reference the official image has, so kind, kubeadm
// and the manifests use them unchanged; other configured versions are pulled. Versions were chosen for this host (cgroup v1): kind v0.30 is the newest kind that still
// supports cgroup v1 without warnings, Kubernetes 1.34 the newest kubelet that runs on it by default.
import type { ImageEntry } from './catalog.ts';
import type { ImageVersions } from './versions.ts';

export const KIND_VERSION = 'v0.30.0';
export const KUBERNETES_VERSION = 'v1.34.4';
/** kubeadm v1.34 `config images list`: etcd, CoreDNS and pause. */
export const ETCD_IMAGE_TAG = '3.6.5-0';
export const K8S_COREDNS_VERSION = 'v1.12.1';
export const PAUSE_VERSION = '3.10.1';
/** kind v0.30.0 pkg/build/nodeimage/defaults.go DefaultBaseImage. */
export const KIND_BASE_TAG = 'v20250710-v0.29.0-alpha-25-g9ac770cf';
/** kind v0.30.0 pkg/build/nodeimage/const_cni.go / const_storage.go. */
export const KINDNETD_TAG = 'v20250512-df8de77b';
export const LOCAL_PATH_PROVISIONER_TAG = 'v20250214-acbabc1a';
export const LOCAL_PATH_HELPER_TAG = 'v20241212-8ac705d0';
/** Source version of rancher/local-path-provisioner the proxy serves (kind's tag was cut from a later commit). */
export const LOCAL_PATH_PROVISIONER_SOURCE = 'v0.0.30';
export const CRICTL_VERSION = 'v1.34.0';
export const CNI_PLUGINS_VERSION = 'v1.7.1';
/** Newest cert-manager whose binaries build from the module proxy (v1.12+ moved mains to nested modules). */
export const CERT_MANAGER_VERSION = 'v1.11.5';
/** The current release (newest on the module proxy), for users who can pull its images (Gateway API through
 *  `config.enableGatewayAPI`; its chart is assembled from the module like v1.11.5's). */
export const CERT_MANAGER_CURRENT_VERSION = 'v1.21.2';
export const TRAEFIK_VERSION = 'v3.5.3';
/** The Gateway API version Traefik v3.5 implements (its go.mod); still serves v1beta1 for cert-manager v1.11. */
export const GATEWAY_API_VERSION = 'v1.3.0';
export const HELM_VERSION = 'v3.19.0';
/** The only version the module proxy serves; publishes Gateway route hostnames to BIND over RFC2136. */
export const EXTERNAL_DNS_VERSION = 'v0.23.0';
/** k8s.io/kubernetes v1.34.4 test/images/agnhost/VERSION (built from that module, so its version is
 *  KUBERNETES_VERSION); the lab's echo backend (`agnhost netexec`). */
export const AGNHOST_VERSION = '2.56';

type KubernetesVersions = Pick<ImageVersions, 'kubernetes' | 'certManager' | 'traefik'>;

/**
 * The Kubernetes side's images at the configured versions (Kubernetes, cert-manager, Traefik follow the
 * configuration; the rest is what kind v0.30 and Kubernetes 1.34 pin).
 */
export function kubernetesImages(v: KubernetesVersions): ImageEntry[] {
  const k8s = (name: string): ImageEntry => ({
    key: name,
    ref: `registry.k8s.io/${name}:${v.kubernetes}`,
    version: v.kubernetes,
    versionKey: 'kubernetes',
    build: 'k8s-component',
    group: 'kubernetes',
    binary: `/usr/local/bin/${name}`,
    ...(name === 'kube-proxy' ? { needs: ['debian-base'] } : {}),
  });
  const certManager = (name: string): ImageEntry => ({
    key: `cert-manager-${name}`,
    ref: `quay.io/jetstack/cert-manager-${name}:${v.certManager}`,
    version: v.certManager,
    versionKey: 'certManager',
    build: 'cert-manager',
    group: 'kubernetes',
    binary: name === 'acmesolver' ? '/app/cmd/acmesolver/acmesolver' : `/app/cmd/${name}/${name}`,
  });
  return [
    k8s('kube-apiserver'),
    k8s('kube-controller-manager'),
    k8s('kube-scheduler'),
    k8s('kube-proxy'),
    { key: 'etcd', ref: `registry.k8s.io/etcd:${ETCD_IMAGE_TAG}`, version: ETCD_IMAGE_TAG, build: 'k8s-etcd', group: 'kubernetes', binary: '/usr/local/bin/etcd' },
    { key: 'k8s-coredns', ref: `registry.k8s.io/coredns/coredns:${K8S_COREDNS_VERSION}`, version: K8S_COREDNS_VERSION, build: 'k8s-coredns', group: 'kubernetes', binary: '/coredns' },
    { key: 'pause', ref: `registry.k8s.io/pause:${PAUSE_VERSION}`, version: PAUSE_VERSION, build: 'k8s-pause', group: 'kubernetes', binary: '/pause' },
    { key: 'local-path-provisioner', ref: `docker.io/kindest/local-path-provisioner:${LOCAL_PATH_PROVISIONER_TAG}`, version: LOCAL_PATH_PROVISIONER_SOURCE, build: 'kind-local-path-provisioner', group: 'kubernetes', binary: '/usr/local/bin/local-path-provisioner', needs: ['debian-base'] },
    { key: 'local-path-helper', ref: `docker.io/kindest/local-path-helper:${LOCAL_PATH_HELPER_TAG}`, version: LOCAL_PATH_HELPER_TAG, build: 'kind-local-path-helper', group: 'kubernetes', binary: '/bin/sh', needs: ['debian-base'] },
    { key: 'kind-base', ref: `docker.io/kindest/base:${KIND_BASE_TAG}`, version: KIND_VERSION, build: 'kind-base', group: 'kubernetes', binary: '/usr/local/bin/entrypoint', needs: ['debian-base'] },
    {
      key: 'kind-node',
      ref: `docker.io/kindest/node:${v.kubernetes}`,
      version: v.kubernetes,
      versionKey: 'kubernetes',
      build: 'kind-node',
      group: 'kubernetes',
      binary: '/usr/bin/kubelet',
      needs: ['kind-base', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy', 'etcd', 'k8s-coredns', 'pause', 'local-path-provisioner', 'local-path-helper'],
    },
    certManager('controller'),
    certManager('webhook'),
    certManager('cainjector'),
    certManager('acmesolver'),
    { key: 'traefik', ref: `docker.io/library/traefik:${v.traefik}`, version: v.traefik, versionKey: 'traefik', build: 'traefik', group: 'kubernetes', binary: '/usr/local/bin/traefik', needs: ['debian-base'] },
    { key: 'external-dns', ref: `registry.k8s.io/external-dns/external-dns:${EXTERNAL_DNS_VERSION}`, version: EXTERNAL_DNS_VERSION, build: 'external-dns', group: 'kubernetes', binary: '/ko-app/external-dns', needs: ['debian-base'] },
    { key: 'agnhost', ref: `registry.k8s.io/e2e-test-images/agnhost:${AGNHOST_VERSION}`, version: KUBERNETES_VERSION, build: 'agnhost', group: 'kubernetes', binary: '/agnhost', needs: ['debian-base'] },
  ];
}

/** Images that go into the kind cluster with `kind load docker-image` (the node image carries the rest). */
export const KUBE_WORKLOAD_IMAGES: readonly string[] = [
  'cert-manager-controller',
  'cert-manager-webhook',
  'cert-manager-cainjector',
  'cert-manager-acmesolver',
  'traefik',
  'external-dns',
  'agnhost',
];

export interface ToolSpec {
  key: 'kind' | 'helm';
  version: string;
  /** Go package built with `go install` (scripts/images/k8s-tool.sh). */
  pkg: string;
}

/** Host binaries, installed under ~/.cache/certlab/bin/<key>-<version>. */
export const KUBERNETES_TOOLS: readonly ToolSpec[] = [
  { key: 'kind', version: KIND_VERSION, pkg: 'sigs.k8s.io/kind' },
  { key: 'helm', version: HELM_VERSION, pkg: 'helm.sh/helm/v3/cmd/helm' },
];

export interface ArtifactSpec {
  key: 'gateway-api-crds' | 'cert-manager-chart' | 'traefik-rbac';
  version: string;
  /** Go module the files come from (downloaded through the module proxy). */
  module: string;
  /** Path inside the module. */
  path: string;
}

/** Non-image artifacts, read from Go module downloads (by lab/kube/artifacts.ts and the add-ons in lab/kube/addons/). */
export const KUBERNETES_ARTIFACTS: readonly ArtifactSpec[] = [
  { key: 'gateway-api-crds', version: GATEWAY_API_VERSION, module: 'sigs.k8s.io/gateway-api', path: 'config/crd/standard' },
  { key: 'cert-manager-chart', version: CERT_MANAGER_VERSION, module: 'github.com/cert-manager/cert-manager', path: 'deploy/charts/cert-manager' },
  { key: 'traefik-rbac', version: TRAEFIK_VERSION, module: 'github.com/traefik/traefik/v3', path: 'docs/content/reference/dynamic-configuration/kubernetes-gateway-rbac.yml' },
];
