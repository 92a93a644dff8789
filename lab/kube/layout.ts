import { join } from 'node:path';
import type { LabConfig } from '../config/schema.ts';
import type { LabPaths } from '../paths.ts';

/** Every kind cluster the lab makes is named with this prefix and the lab's name. */
export const KUBE_CLUSTER_PREFIX = 'certlab-';

export const CERT_MANAGER_NAMESPACE = 'cert-manager';
export const TRAEFIK_NAMESPACE = 'traefik';
/** The GatewayClass Traefik serves. */
export const GATEWAY_CLASS = 'traefik';
/** Traefik's NodePorts on every node (kind-config.yaml may map them to 127.0.0.1). */
export const TRAEFIK_NODE_PORTS = { http: 30080, https: 30443 } as const;

export function kubeClusterName(labName: string): string {
  return `${KUBE_CLUSTER_PREFIX}${labName}`;
}

/** Names and files of the lab's kind cluster. */
export interface KubeClusterLayout {
  /**
   * The kind cluster's name, also the value of its node containers' io.x-k8s.kind.cluster label; on a
   * user's cluster, the kubeconfig context the lab uses.
   */
  name: string;
  /** Who made the cluster: the lab (its own kind cluster) or the user (kubeCluster in the configuration). */
  madeBy: 'lab' | 'user';
  /** The user's cluster: its kubeconfig file and context. */
  userCluster?: { kubeconfig: string; context: string };
  /** On a user's cluster: what the lab made there (mode 0600), written before each thing is made. */
  recordFile: string;
  /** The lab's Docker network, which the nodes join. */
  network: string;
  stateDir: string;
  /** Admin kubeconfig (mode 0600), for helm and for a user's kubectl. */
  kubeconfigFile: string;
  /** kind-config.yaml with what the lab enforces, as given to `kind create cluster`. */
  kindConfigFile: string;
  certManagerValuesFile: string;
  /** Zones the kind cluster's CoreDNS forwards to the lab's CoreDNS. */
  labZones: string[];
  namespaces: { certManager: string; traefik: string };
  gatewayClass: string;
  nodePorts: { http: number; https: number };
}

export function kubeClusterLayout(config: LabConfig, paths: LabPaths): KubeClusterLayout {
  const stateDir = join(paths.root, 'kube-cluster');
  const user = config.kubeCluster;
  return {
    name: user ? user.context ?? 'current context' : kubeClusterName(config.name),
    madeBy: user ? 'user' : 'lab',
    ...(user ? { userCluster: { kubeconfig: user.kubeconfig, context: user.context ?? '' } } : {}),
    recordFile: join(stateDir, 'made-in-user-cluster.json'),
    network: config.network.name,
    stateDir,
    // On a user's cluster, the user's own file: helm and kubectl get it with the context (userCluster).
    kubeconfigFile: user ? user.kubeconfig : join(stateDir, 'kubeconfig'),
    kindConfigFile: join(stateDir, 'kind-config.effective.yaml'),
    certManagerValuesFile: join(stateDir, 'cert-manager-values.json'),
    labZones: [config.domains.private, config.domains.public],
    namespaces: { certManager: CERT_MANAGER_NAMESPACE, traefik: TRAEFIK_NAMESPACE },
    gatewayClass: GATEWAY_CLASS,
    nodePorts: { ...TRAEFIK_NODE_PORTS },
  };
}
