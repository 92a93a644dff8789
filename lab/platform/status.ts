// `certlab status` rows of the platform: each ClusterIssuer (Ready or why not), each Certificate (Ready,
// not-after, renewal time), each Gateway (programmed, addresses) and each public name External-DNS
// published (what the lab's resolver answers).
import type { Health, StatusRow } from '../component.ts';
import type { LabContext } from '../context.ts';
import { labDns, resolveA } from '../dns/index.ts';
import { errorText } from '../errors.ts';
import { LAB_LABEL } from '../host/docker.ts';
import { condition, openKubeCluster, type KubeCluster, type KubeObject } from '../kube/index.ts';
import { gatewaysPath } from './connect.ts';
import { platformLayout, type PlatformLayout } from './layout.ts';
import { httpsListeners } from './manifests.ts';

const ROLE = 'in Kubernetes';

function readyRow(component: string, address: string, o: KubeObject | undefined, type: string, detail = ''): StatusRow {
  if (!o) return { component, address, health: 'down', role: ROLE, detail: 'absent' };
  const c = condition(o, type);
  const health: Health = c?.status === 'True' ? 'ok' : c ? 'degraded' : 'down';
  const why = c?.status === 'True' ? type : `${type}=${c?.status ?? 'unknown'}${c?.reason ? ` (${c.reason})` : ''}${c?.message ? `: ${c.message}` : ''}`;
  return { component, address, health, role: ROLE, detail: [why, detail].filter(Boolean).join('; ') };
}

async function list(kubeCluster: KubeCluster, path: string): Promise<KubeObject[]> {
  return (await kubeCluster.get<{ items: KubeObject[] }>(path)).items;
}

async function publishedNames(ctx: LabContext, hostnames: string[], gatewayAddress: string): Promise<StatusRow[]> {
  const { resolver } = await labDns(ctx);
  return Promise.all(hostnames.map(async (name): Promise<StatusRow> => {
    const addresses = await resolveA(resolver, name, 1_000).catch((err: unknown) => { throw new Error(`${name}: ${errorText(err)}`); });
    return {
      component: 'dns record', address: name, role: 'External-DNS', health: addresses.includes(gatewayAddress) ? 'ok' : addresses.length ? 'degraded' : 'down',
      detail: addresses.length ? `A ${addresses.join(', ')}${addresses.includes(gatewayAddress) ? '' : ` (the Gateway is at ${gatewayAddress})`}` : 'no A record',
    };
  }));
}

/** The platform's own Certificates: the explicit ones it applies (labelled) and gateway-shim's (owned by a Gateway). */
function ownCertificate(c: KubeObject): boolean {
  return !!c.metadata?.labels?.[LAB_LABEL] || (c.metadata?.ownerReferences ?? []).some((o) => o.kind === 'Gateway');
}

interface PlatformState { rows: StatusRow[]; whole: boolean }

async function state(ctx: LabContext, layout: PlatformLayout, kubeCluster: KubeCluster): Promise<PlatformState> {
  const [issuers, certificates, gateways] = await Promise.all([
    list(kubeCluster, '/apis/cert-manager.io/v1/clusterissuers'),
    list(kubeCluster, `/apis/cert-manager.io/v1/namespaces/${layout.namespace}/certificates`),
    list(kubeCluster, gatewaysPath(layout.namespace)),
  ]);
  const byName = (objs: KubeObject[], name: string) => objs.find((o) => o.metadata?.name === name);
  const out: StatusRow[] = Object.values(layout.issuers).map((name) => readyRow('issuer', name, byName(issuers, name), 'Ready'));
  // A user's or a scenario's Certificates are listed too, but only the platform's own decide whether it is whole.
  const others: StatusRow[] = [];
  for (const c of certificates) {
    const s = c.status ?? {};
    (ownCertificate(c) ? out : others).push(readyRow('certificate', `${layout.namespace}/${c.metadata?.name}`, c, 'Ready',
      [s.notAfter && `not after ${s.notAfter}`, s.renewalTime && `renews ${s.renewalTime}`, `from ${c.spec?.issuerRef?.name}`].filter(Boolean).join(', ')));
  }
  for (const name of Object.values(layout.gateways)) {
    const g = byName(gateways, name);
    const addresses = (g?.status?.addresses ?? []).map((a: { value: string }) => a.value).join(', ');
    out.push(readyRow('gateway', `${layout.namespace}/${name}`, g, 'Programmed', `${addresses ? `at ${addresses}, ` : ''}${(g?.spec?.listeners ?? []).length} listeners`));
  }
  const publicHostnames = httpsListeners(gateways).filter((l) => l.gateway === layout.gateways.public && l.hostname).map((l) => l.hostname);
  out.push(...await publishedNames(ctx, publicHostnames, kubeCluster.nodeAddress).catch((err: unknown) => [{
    component: 'dns record', address: publicHostnames.join(', '), role: 'External-DNS', health: 'down' as Health, detail: errorText(err),
  }]));
  const ownCertificates = certificates.filter(ownCertificate).length;
  return { rows: [...out, ...others], whole: ownCertificates > 0 && out.every((r) => r.health === 'ok') };
}

/** The platform's rows, and whether it is whole: every issuer Ready, its Certificates Ready, its Gateways programmed, its names published. */
export async function platformState(ctx: LabContext): Promise<PlatformState> {
  const layout = platformLayout(ctx.config);
  try {
    return await state(ctx, layout, await openKubeCluster(ctx));
  } catch (err) {
    return { rows: [{ component: 'platform', address: layout.namespace, health: 'down', role: ROLE, detail: errorText(err) }], whole: false };
  }
}

export async function platformStatus(ctx: LabContext): Promise<StatusRow[]> {
  return (await platformState(ctx)).rows;
}
