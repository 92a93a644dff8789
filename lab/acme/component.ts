import type { Component, StatusRow } from '../component.ts';
import type { LabContext } from '../context.ts';
import { labDns } from '../dns/connect.ts';
import { containerRunning, removeComponentContainers } from '../host/lab-container.ts';
import { pollUntil } from '../host/wait.ts';
import { startChalltestsrv, startPebble } from './containers.ts';
import { challtestsrvAnswers, challtestsrvUrl, directoryServed, pebbleEndpoints, requirePebble } from './endpoints.ts';
import { acmeLayout } from './layout.ts';

const READY_TIMEOUT_MS = 30_000;

/** Pebble (resolving through CoreDNS, so the dns component comes first) and challtestsrv, each polled until it answers. */
async function startAcme(ctx: LabContext): Promise<void> {
  const { steps } = ctx;
  const layout = acmeLayout(ctx.config, ctx.paths);
  const { corednsIp } = await labDns(ctx);

  ctx.progress('Pebble');
  await steps.time('acme', 'pebble ready', async () => {
    await startPebble(ctx, layout, corednsIp);
    const endpoints = await requirePebble(ctx);
    await pollUntil(async () => ((await directoryServed(endpoints)) ? true : undefined), { timeoutMs: READY_TIMEOUT_MS, intervalMs: 100, what: `Pebble's directory at ${endpoints.directoryUrl}`, signal: ctx.signal });
  });

  ctx.progress('challtestsrv');
  await steps.time('acme', 'challtestsrv ready', async () => {
    await startChalltestsrv(ctx, layout);
    const url = await challtestsrvUrl(ctx);
    if (!url) throw new Error(`${layout.challtestsrv.container} runs but publishes no management port`);
    await pollUntil(async () => ((await challtestsrvAnswers(url)) ? true : undefined), { timeoutMs: READY_TIMEOUT_MS, intervalMs: 100, what: `challtestsrv's management API at ${url}`, signal: ctx.signal });
  });
}

async function acmeStatus(ctx: LabContext): Promise<StatusRow[]> {
  const layout = acmeLayout(ctx.config, ctx.paths);
  const [endpoints, challtestsrv] = await Promise.all([pebbleEndpoints(ctx), challtestsrvUrl(ctx)]);
  const serving = endpoints ? await directoryServed(endpoints).catch(() => false) : false;
  const answering = challtestsrv ? await challtestsrvAnswers(challtestsrv).catch(() => false) : false;
  return [
    {
      component: layout.pebble.component,
      address: endpoints?.directoryUrl ?? '-',
      health: !endpoints ? 'down' : serving ? 'ok' : 'degraded',
      role: 'ACME CA',
      detail: !endpoints ? 'not running' : `management ${endpoints.managementUrl}; DNS-01 checked through CoreDNS${serving ? '' : '; directory not answering'}`,
    },
    {
      component: layout.challtestsrv.component,
      address: challtestsrv ?? '-',
      health: !challtestsrv ? 'down' : answering ? 'ok' : 'degraded',
      role: 'challenge test server',
      detail: !challtestsrv ? 'not running' : 'management API only; not in the DNS-01 path',
    },
  ];
}

export const acmeComponent: Component = {
  name: 'acme',
  description: 'Pebble, the lab\'s public ACME CA (Let\'s Encrypt\'s stand-in) validating DNS-01 through CoreDNS, and pebble-challtestsrv',
  images: () => ['pebble', 'challtestsrv'],
  hostPorts: (config) => [
    { key: 'ports.pebble', port: config.ports.pebble },
    { key: 'ports.pebbleManagement', port: config.ports.pebbleManagement },
  ],
  after: ['dns'],
  async isRunning(ctx) {
    const layout = acmeLayout(ctx.config, ctx.paths);
    const states = await Promise.all([containerRunning(layout.pebble.container), containerRunning(layout.challtestsrv.container)]);
    return states.every((s) => s === true);
  },
  start: startAcme,
  status: acmeStatus,
  async stop(ctx) {
    const layout = acmeLayout(ctx.config, ctx.paths);
    await removeComponentContainers(ctx, [layout.challtestsrv.component, layout.pebble.component]);
  },
};
