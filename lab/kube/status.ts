import type * as k8s from '@kubernetes/client-node';
import type { Health, StatusRow } from '../component.ts';
import type { LabContext } from '../context.ts';
import { errorText } from '../errors.ts';
import { CERT_MANAGER_DEPLOYMENTS } from './addons/cert-manager.ts';
import { gatewayClassAccepted, TRAEFIK_DEPLOYMENTS } from './addons/traefik.ts';
import { condition, deploymentAvailable, explainDeployment, getPath, kubeConfigFromString, type KubeObject } from './api.ts';
import { kindNodes, readKubeconfig } from './kind.ts';
import { openKubeCluster } from './connect.ts';
import { kubeClusterLayout, type KubeClusterLayout } from './layout.ts';
import { readUserRecord } from './user-record.ts';

const IN_CLUSTER = 'in Kubernetes';

function healthOf(ok: number, of: number): Health {
  return ok === of ? 'ok' : ok ? 'degraded' : 'down';
}

async function deploymentsRow(kubeconfig: k8s.KubeConfig, namespace: string, names: string[], component: string, address: string): Promise<StatusRow> {
  try {
    const list = await getPath<{ items: KubeObject[] }>(kubeconfig, `/apis/apps/v1/namespaces/${namespace}/deployments`);
    const found = names.map((n) => list.items.find((d) => d.metadata?.name === n));
    return {
      component, address, role: IN_CLUSTER, health: healthOf(found.filter((d) => d && deploymentAvailable(d)).length, names.length),
      detail: found.map((d, i) => `${names[i]}: ${d ? explainDeployment(d) : 'absent'}`).join('; '),
    };
  } catch (err) {
    return { component, address, role: IN_CLUSTER, health: 'down', detail: errorText(err) };
  }
}

/** The add-ons' rows: cert-manager, Traefik (at `gatewayAddress`) and its GatewayClass. */
async function addonRows(kubeconfig: k8s.KubeConfig, layout: KubeClusterLayout, gatewayAddress: string): Promise<StatusRow[]> {
  const out: StatusRow[] = [];
  out.push(await deploymentsRow(kubeconfig, layout.namespaces.certManager, CERT_MANAGER_DEPLOYMENTS, 'cert-manager', `${layout.namespaces.certManager} namespace`));
  out.push(await deploymentsRow(kubeconfig, layout.namespaces.traefik, TRAEFIK_DEPLOYMENTS, 'traefik', `${gatewayAddress}:${layout.nodePorts.https}`));
  try {
    const gc = await getPath<KubeObject>(kubeconfig, `/apis/gateway.networking.k8s.io/v1/gatewayclasses/${layout.gatewayClass}`);
    out.push({ component: 'gatewayclass', address: layout.gatewayClass, health: gatewayClassAccepted(gc) ? 'ok' : 'degraded', role: IN_CLUSTER, detail: condition(gc, 'Accepted')?.message ?? 'not Accepted' });
  } catch (err) {
    out.push({ component: 'gatewayclass', address: layout.gatewayClass, health: 'down', role: IN_CLUSTER, detail: errorText(err) });
  }
  return out;
}

/** The rows of a user's cluster: its API and the lab's attachment, then the add-ons. */
async function userClusterStatus(ctx: LabContext, layout: KubeClusterLayout): Promise<StatusRow[]> {
  const address = `${layout.userCluster!.kubeconfig} (context ${layout.name})`;
  try {
    const kubeCluster = await openKubeCluster(ctx);
    const record = await readUserRecord(layout);
    const cm = record?.certManager;
    return [
      { component: 'kube-apiserver', address: kubeCluster.kubeconfig.getCurrentCluster()?.server ?? address, health: 'ok', role: 'user\'s cluster', detail: `kubeCluster.kubeconfig ${address}; nodes on the lab network, Gateways at ${kubeCluster.nodeAddress}${cm ? `; cert-manager ${cm.version} ${cm.reused ? 'reused (the user\'s)' : 'installed by the lab'}` : ''}` },
      ...await addonRows(kubeCluster.kubeconfig, kubeCluster.layout, kubeCluster.nodeAddress),
    ];
  } catch (err) {
    return [{ component: 'kubernetes', address, health: 'down', role: 'user\'s cluster', detail: errorText(err) }];
  }
}

/** `certlab status` rows: the kind nodes, the API server, cert-manager, Traefik and its GatewayClass. */
export async function kubeClusterStatus(ctx: LabContext): Promise<StatusRow[]> {
  const layout = kubeClusterLayout(ctx.config, ctx.paths);
  if (layout.madeBy === 'user') return userClusterStatus(ctx, layout);
  const nodes = await kindNodes(layout.name, layout.network);
  if (nodes.length === 0) return [{ component: 'kubernetes', address: layout.name, health: 'down', role: 'kubernetes', detail: 'no kind cluster' }];
  const running = nodes.filter((n) => n.running).length;
  const out: StatusRow[] = [{
    component: 'kind nodes', address: nodes.map((n) => n.ip ?? n.name).join(','), role: 'kubernetes',
    health: healthOf(running, nodes.length), detail: `${running}/${nodes.length} node containers running`,
  }];
  if (running === 0) return out;
  let kubeconfig: k8s.KubeConfig;
  try {
    const text = await readKubeconfig(layout);
    if (!text) return out;
    kubeconfig = kubeConfigFromString(text);
    await getPath(kubeconfig, '/readyz');
    out.push({ component: 'kube-apiserver', address: kubeconfig.getCurrentCluster()?.server ?? '', health: 'ok', role: IN_CLUSTER, detail: 'readyz ok' });
  } catch (err) {
    out.push({ component: 'kube-apiserver', address: layout.name, health: 'down', role: IN_CLUSTER, detail: errorText(err) });
    return out;
  }
  const node = nodes.find((n) => n.role === 'control-plane');
  out.push(...await addonRows(kubeconfig, layout, node?.ip ?? '?'));
  return out;
}
