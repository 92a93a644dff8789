import type { Component, Health, StatusRow } from '../component.ts';
import type { LabContext } from '../context.ts';
import { containerIp, ensureNetwork } from '../host/docker.ts';
import { pollUntil } from '../host/wait.ts';
import { hostDnsServer } from './connect.ts';
import { startBind, startCoreDns } from './containers.ts';
import { containerRunning, removeComponentContainers } from '../host/lab-container.ts';
import { dnsLayout, type DnsContainer } from './layout.ts';
import { querySoa } from './query.ts';
import type { DnsServer } from './transport.ts';
import { ensureTsigKey } from './tsig-key.ts';

const READY_TIMEOUT_MS = 30_000;

function waitForSoa(ctx: LabContext, server: DnsServer, zones: string[], what: string): Promise<true> {
  return pollUntil(async () => {
    for (const zone of zones) if (!(await querySoa(server, zone, 1_000))) return undefined;
    return true;
  }, { timeoutMs: READY_TIMEOUT_MS, intervalMs: 100, what, signal: ctx.signal });
}

async function hostServerOf(c: DnsContainer): Promise<DnsServer> {
  const server = await hostDnsServer(c);
  if (!server) throw new Error(`${c.container} runs but publishes no DNS port`);
  return server;
}

/** BIND first (CoreDNS forwards to its address), each ready once it answers SOA for its zones from the host. */
async function startDns(ctx: LabContext): Promise<void> {
  const { config, steps } = ctx;
  const layout = dnsLayout(config, ctx.paths);
  await ensureNetwork(config.name, config.network.name, config.network.subnet);
  const key = await ensureTsigKey(ctx.paths, layout.tsigKeyName);

  ctx.progress('BIND');
  const bindIp = await steps.time('dns', 'bind ready', async () => {
    const bind = await startBind(ctx, layout, key);
    await waitForSoa(ctx, await hostServerOf(layout.bind), [layout.publicZone], `BIND to answer SOA ${layout.publicZone}`);
    return containerIp(bind.id, config.network.name);
  });

  ctx.progress('CoreDNS');
  await steps.time('dns', 'coredns ready', async () => {
    await startCoreDns(ctx, layout, bindIp);
    await waitForSoa(ctx, await hostServerOf(layout.coredns), [layout.publicZone, layout.privateZone], `CoreDNS to answer SOA ${layout.publicZone} and ${layout.privateZone}`);
  });
}

async function probe(c: DnsContainer, zones: string[]): Promise<{ health: Health; address: string; answered: string[] }> {
  const server = await hostDnsServer(c);
  if (!server) return { health: 'down', address: '-', answered: [] };
  const answered: string[] = [];
  for (const zone of zones) if (await querySoa(server, zone, 1_000).catch(() => undefined)) answered.push(zone);
  return { health: answered.length === zones.length ? 'ok' : 'degraded', address: `${server.host}:${server.udpPort}`, answered };
}

async function dnsStatus(ctx: LabContext): Promise<StatusRow[]> {
  const layout = dnsLayout(ctx.config, ctx.paths);
  const network = ctx.config.network.name;
  const [bind, coredns] = await Promise.all([
    probe(layout.bind, [layout.publicZone]),
    probe(layout.coredns, [layout.publicZone, layout.privateZone]),
  ]);
  const bindIp = bind.health === 'down' ? undefined : await containerIp(layout.bind.container, network).catch(() => undefined);
  const missing = (p: typeof coredns, zones: string[]) => zones.filter((z) => !p.answered.includes(z));
  return [
    {
      component: layout.bind.component, address: bind.address, health: bind.health, role: 'authoritative',
      detail: bind.health === 'down' ? 'not running' : `zone ${layout.publicZone}, RFC 2136 updates (TXT, A, AAAA, CNAME) and transfers with key ${layout.tsigKeyName}${bindIp ? `, ${bindIp} on ${network}` : ''}`,
    },
    {
      component: layout.coredns.component, address: coredns.address, health: coredns.health, role: 'resolver',
      detail: coredns.health === 'down' ? 'not running'
        : coredns.health === 'degraded' ? `no SOA for ${missing(coredns, [layout.publicZone, layout.privateZone]).join(', ')}`
          : `zone ${layout.privateZone}; ${layout.publicZone} from BIND; other names refused`,
    },
  ];
}

export const dnsComponent: Component = {
  name: 'dns',
  description: 'BIND, authoritative for the public zone with RFC 2136 updates (Route53\'s stand-in), and CoreDNS, the lab\'s resolver',
  images: () => ['bind9', 'coredns'],
  hostPorts: (config) => [{ key: 'ports.dns', port: config.ports.dns }],
  after: [],
  async isRunning(ctx) {
    const layout = dnsLayout(ctx.config, ctx.paths);
    const states = await Promise.all([containerRunning(layout.bind.container), containerRunning(layout.coredns.container)]);
    return states.every((s) => s === true);
  },
  start: startDns,
  status: dnsStatus,
  async stop(ctx) {
    const layout = dnsLayout(ctx.config, ctx.paths);
    await removeComponentContainers(ctx, [layout.coredns.component, layout.bind.component]);
  },
};
