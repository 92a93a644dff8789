// Traefik v3 as the kind cluster's Gateway API controller: manifests (no chart is on the module proxy; the
// RBAC comes from the Traefik module's reference docs), its GatewayClass, and readiness waits.
import { readFile } from 'node:fs/promises';
import { imageByKey } from '../../images/catalog.ts';
import { condition, deploymentAvailable, explainDeployment, parseYamlDocuments, type KubeObject } from '../api.ts';
import { artifactPath } from '../artifacts.ts';
import type { KubeCluster } from '../connect.ts';
import { GATEWAY_CLASS, TRAEFIK_NAMESPACE, TRAEFIK_NODE_PORTS } from '../layout.ts';

export const TRAEFIK_CONTROLLER_NAME = 'traefik.io/gateway-controller';
export const TRAEFIK_DEPLOYMENTS = ['traefik'];
/** Entry point ports inside the pod; Gateway listeners use these port numbers. */
export const TRAEFIK_HTTP_PORT = 8000;
export const TRAEFIK_HTTPS_PORT = 8443;

/**
 * Traefik's manifests. `gatewayAddress` (the kind node's address on the lab network) is where the Gateways
 * answer on ports 80 and 443, as a cloud load balancer's address would: the Service takes it as an
 * external IP (kube-proxy forwards it, from the lab network and from pods alike) and Traefik writes it
 * into every Gateway's status.addresses, which External-DNS publishes.
 */
export async function traefikManifests(gatewayAddress: string, image = imageByKey('traefik').ref): Promise<KubeObject[]> {
  const labels = { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/part-of': 'certlab' };
  const rbac = parseYamlDocuments(await readFile(await artifactPath('traefik-rbac'), 'utf8'));
  const role = rbac.find((o) => o.kind === 'ClusterRole');
  if (!role) throw new Error('Traefik gateway RBAC has no ClusterRole');
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: TRAEFIK_NAMESPACE, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'traefik', namespace: TRAEFIK_NAMESPACE, labels } },
    { ...role, metadata: { name: 'certlab-traefik-gateway', labels } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding',
      metadata: { name: 'certlab-traefik-gateway', labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'certlab-traefik-gateway' },
      subjects: [{ kind: 'ServiceAccount', name: 'traefik', namespace: TRAEFIK_NAMESPACE }],
    },
    {
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { name: 'traefik', namespace: TRAEFIK_NAMESPACE, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'traefik',
            terminationGracePeriodSeconds: 5,
            containers: [{
              name: 'traefik',
              image,
              imagePullPolicy: 'IfNotPresent',
              args: [
                `--entryPoints.web.address=:${TRAEFIK_HTTP_PORT}`,
                `--entryPoints.websecure.address=:${TRAEFIK_HTTPS_PORT}`,
                '--entryPoints.traefik.address=:9000',
                '--ping=true',
                '--ping.entryPoint=traefik',
                '--providers.kubernetesgateway=true',
                `--providers.kubernetesgateway.statusAddress.ip=${gatewayAddress}`,
                '--log.level=INFO',
                '--global.checkNewVersion=false',
                '--global.sendAnonymousUsage=false',
              ],
              ports: [
                { name: 'web', containerPort: TRAEFIK_HTTP_PORT },
                { name: 'websecure', containerPort: TRAEFIK_HTTPS_PORT },
                { name: 'traefik', containerPort: 9000 },
              ],
              readinessProbe: { httpGet: { path: '/ping', port: 9000 }, periodSeconds: 2, failureThreshold: 3 },
              livenessProbe: { httpGet: { path: '/ping', port: 9000 }, periodSeconds: 10, failureThreshold: 3 },
              securityContext: {
                runAsUser: 65532, runAsGroup: 65532, runAsNonRoot: true, readOnlyRootFilesystem: true,
                allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] },
              },
              resources: { requests: { cpu: '50m', memory: '64Mi' } },
            }],
          },
        },
      },
    },
    {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'traefik', namespace: TRAEFIK_NAMESPACE, labels },
      spec: {
        type: 'NodePort',
        externalIPs: [gatewayAddress],
        selector: { 'app.kubernetes.io/name': 'traefik' },
        ports: [
          { name: 'web', port: 80, targetPort: 'web', nodePort: TRAEFIK_NODE_PORTS.http },
          { name: 'websecure', port: 443, targetPort: 'websecure', nodePort: TRAEFIK_NODE_PORTS.https },
        ],
      },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass',
      metadata: { name: GATEWAY_CLASS, labels },
      spec: { controllerName: TRAEFIK_CONTROLLER_NAME },
    },
  ];
}

export const gatewayClassAccepted = (gc: KubeObject): boolean => condition(gc, 'Accepted')?.status === 'True';

/** Applies the manifests, then waits until the Deployment is available and the GatewayClass Accepted. */
export async function installTraefik(kubeCluster: KubeCluster, timeoutMs: number, image?: string): Promise<void> {
  await kubeCluster.apply(await traefikManifests(kubeCluster.nodeAddress, image));
  await Promise.all([
    kubeCluster.waitUntil({
      path: `/apis/apps/v1/namespaces/${TRAEFIK_NAMESPACE}/deployments`, names: TRAEFIK_DEPLOYMENTS, ready: deploymentAvailable,
      explain: explainDeployment, what: 'the Traefik Deployment available', timeoutMs,
    }),
    kubeCluster.waitUntil({
      path: '/apis/gateway.networking.k8s.io/v1/gatewayclasses', names: [GATEWAY_CLASS], ready: gatewayClassAccepted,
      explain: (gc) => condition(gc, 'Accepted')?.message ?? 'no Accepted condition yet', what: `GatewayClass ${GATEWAY_CLASS} Accepted`, timeoutMs,
    }),
  ]);
}
