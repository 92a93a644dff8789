import { Agent } from 'node:https';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeComponent, acmeLayout } from '../../lab/acme/index.ts';
import type { LabContext } from '../../lab/context.ts';
import { dnsComponent, dnsLayout, labDns, query, type LabDns } from '../../lab/dns/index.ts';
import { injectFault } from '../../lab/faults/container-faults.ts';
import { containerIp, removeLabResources } from '../../lab/host/docker.ts';
import { ensureLabContainer, removeComponentContainers } from '../../lab/host/lab-container.ts';
import { pollUntil } from '../../lab/host/wait.ts';
import { imageByKey } from '../../lab/images/catalog.ts';
import { createCsr } from '../../lab/pki/csr.ts';
import { parseCertificates, verifyChain } from '../../lab/pki/verify.ts';
import { vaultClient } from '../../lab/vault/api.ts';
import { loginAs } from '../../lab/vault/approle.ts';
import { waitForVoters, type VaultCluster } from '../../lab/vault/cluster.ts';
import { activeServer, lbEndpoint, useVaultCluster, type VaultLbEndpoint } from '../../lab/vault/connect.ts';
import { vaultComponent } from '../../lab/vault/index.ts';
import { signCsr } from '../../lab/vault/issue.ts';
import { lbBackends, vaultLbLayout } from '../../lab/vault/lb/index.ts';
import { CERT_MANAGER_APPROLE } from '../../lab/vault/pki-layout.ts';
import { vaultTopology } from '../../lab/vault/topology.ts';
import { announceSkip, skipReason, testContext } from './support.ts';

const LAB = 'certlab-i8-names';
const ctx: LabContext = testContext(LAB, '172.29.131.0/24');
const images = [...dnsComponent.images(ctx.config), ...acmeComponent.images(ctx.config), ...vaultComponent.images(ctx.config)].map((k) => imageByKey(k).ref);
const skip = skipReason(images);
announceSkip('lab names and the Vault load balancer', skip);

/** Every name the lab registers in its private zone, with the container that should answer it. */
function registeredNames(): Array<{ name: string; container: string }> {
  const zone = ctx.config.domains.private;
  const dns = dnsLayout(ctx.config, ctx.paths);
  const acme = acmeLayout(ctx.config, ctx.paths);
  const topology = vaultTopology(ctx.config);
  return [
    { name: `bind.${zone}`, container: dns.bind.container },
    { name: `coredns.${zone}`, container: dns.coredns.container },
    { name: `ns.${zone}`, container: dns.coredns.container },
    { name: `pebble.${zone}`, container: acme.pebble.container },
    ...[...topology.nodes, topology.seal].map((s) => ({ name: `${s.name}.${zone}`, container: s.container })),
    { name: `vault.${zone}`, container: vaultLbLayout(ctx.config, ctx.paths).container },
  ];
}

async function addressOf(dns: LabDns, name: string): Promise<string[]> {
  const answer = await query(dns.resolver, name, 'A');
  return (answer.packet.answers ?? []).flatMap((a) => (a.type === 'A' ? [a.data as string] : []));
}

/** Polls the lab's CoreDNS until `name` resolves to `ip` alone (its hosts file is re-read every second). */
function resolvesTo(dns: LabDns, name: string, ip: string): Promise<boolean> {
  return pollUntil(async () => {
    const got = await addressOf(dns, name);
    if (got.length === 1 && got[0] === ip) return true;
    throw new Error(`${name} resolves to ${got.join(', ') || 'nothing'}`);
  }, { timeoutMs: 10_000, intervalMs: 200, what: `${name} to resolve to ${ip} through the lab's CoreDNS` });
}

/** A sign on the cert-manager role through the load balancer, TLS verified against the lab CA for `vault.<zone>`. */
async function signThroughLb(vaultCluster: VaultCluster, lb: VaultLbEndpoint, cn: string) {
  const agent = new Agent({ ca: vaultCluster.ca, servername: lb.servername });
  try {
    const { token } = await loginAs(ctx.paths, lb.url, vaultCluster.ca, CERT_MANAGER_APPROLE);
    const csr = await createCsr([cn], 'ec256');
    return await signCsr(vaultClient(lb.url, vaultCluster.ca, token, agent), csr.csrPem, cn, '1h');
  } finally {
    agent.destroy();
  }
}

describe.skipIf(skip)('lab names and the Vault load balancer', () => {
  let dns: LabDns;
  let vaultCluster: VaultCluster;
  let lb: VaultLbEndpoint;

  beforeAll(async () => {
    await removeLabResources(LAB);
    await dnsComponent.start(ctx);
    await acmeComponent.start(ctx);
    await vaultComponent.start(ctx);
    dns = await labDns(ctx);
    vaultCluster = await useVaultCluster(ctx);
    lb = await lbEndpoint(ctx);
  }, 300_000);

  afterAll(async () => {
    console.log(ctx.steps.steps.map((s) => `${s.group}: ${s.name} ${s.durationMs} ms${s.ok ? '' : ` FAILED ${s.error}`}`).join('\n'));
    await ctx.releases.releaseAll();
    await removeLabResources(LAB);
    await rm(ctx.config.stateDir, { recursive: true, force: true });
  }, 120_000);

  it('resolves every registered name through the lab\'s CoreDNS to its container\'s current address', async () => {
    for (const { name, container } of registeredNames()) await resolvesTo(dns, name, await containerIp(container, ctx.config.network.name));
  });

  it('answers NXDOMAIN for a name in the private zone that nothing registered', async () => {
    for (const name of [`nobody.${ctx.config.domains.private}`, `vault-${ctx.config.vault.nodes + 1}.${ctx.config.domains.private}`]) {
      expect((await query(dns.resolver, name, 'A')).rcode).toBe('NXDOMAIN');
    }
  });

  it('follows a Vault node that is stopped and comes back with another address', async () => {
    const network = ctx.config.network.name;
    const leader = await activeServer(vaultCluster);
    const node = vaultCluster.topology.nodes.find((n) => n.name !== leader.name)!;
    const name = `${node.name}.${ctx.config.domains.private}`;
    const before = await containerIp(node.container, network);
    const undo = await injectFault(ctx, node.container, 'graceful-stop');
    // A container started meanwhile takes a free address, perhaps the node's: the node must come back elsewhere.
    const filler = await ensureLabContainer(ctx, {
      name: `${LAB}-filler`, component: 'filler', image: imageByKey('debian-base').ref, aliases: [],
      command: ['bash', '-c', 'echo ready; exec sleep infinity'], mounts: [], ports: [], files: [], readyLog: /ready/,
    });
    await undo();
    const after = await containerIp(node.container, network);
    expect(after).not.toBe(before);
    expect(await containerIp(filler.id, network)).not.toBe(after);
    await resolvesTo(dns, name, after);
    await removeComponentContainers(ctx, ['filler']);
    await waitForVoters(ctx, vaultCluster, vaultCluster.topology.nodes.length, 120_000);
  }, 180_000);

  it('signs through https://vault.<zone> on the load balancer, the chain verifying to the offline root', async () => {
    expect(lb.servername).toBe(`vault.${ctx.config.domains.private}`);
    expect(lb.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const leaf = await signThroughLb(vaultCluster, lb, `through-lb.${ctx.config.domains.private}`);
    const [cert] = parseCertificates(leaf.certificate);
    const chain = await verifyChain(cert!, parseCertificates(leaf.caChain.join('\n')), vaultCluster.pki.root.cert);
    expect(chain.at(-1)!.subject).toBe(vaultCluster.pki.root.cert.subject);
  });

  it('shows in status which node the load balancer sends to: the active one, only it', async () => {
    const leader = await activeServer(vaultCluster);
    const row = (await vaultComponent.status(ctx)).find((r) => r.component === 'vault-lb')!;
    expect(row.health).toBe('ok');
    // The code is left out while a check is under way (HAProxy shows 0 then).
    expect(row.detail).toMatch(new RegExp(`^up: ${leader.name} \\(L7OK( 200)?\\);`));
    expect(row.detail).toMatch(/L7STS 429/);
  });

  it('sends to the new active node within seconds of the active one being killed, and signs again', async () => {
    const leader = await activeServer(vaultCluster);
    const killedAt = Date.now();
    const undo = await injectFault(ctx, leader.container, 'sigkill');
    const next = await pollUntil(async () => {
      const up = (await lbBackends(vaultLbLayout(ctx.config, ctx.paths))).filter((b) => b.up).map((b) => b.node);
      return up.length === 1 && up[0] !== leader.name ? up[0] : undefined;
    }, { timeoutMs: 15_000, intervalMs: 100, what: 'the load balancer to send to a new active node' });
    const seenAfterMs = Date.now() - killedAt;
    console.log(`load balancer sent to ${next} ${seenAfterMs} ms after ${leader.name} was killed`);
    expect(seenAfterMs).toBeLessThan(10_000);
    expect((await activeServer(vaultCluster)).name).toBe(next);
    const leaf = await signThroughLb(vaultCluster, lb, `after-kill.${ctx.config.domains.private}`);
    expect(leaf.serial).toBeTruthy();
    await undo();
    await waitForVoters(ctx, vaultCluster, vaultCluster.topology.nodes.length, 120_000);
  }, 180_000);
});
