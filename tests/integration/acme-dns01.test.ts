import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeComponent, issuePublicCertificate, pebbleRoots } from '../../lab/acme/index.ts';
import { parseConfig } from '../../lab/config/load.ts';
import { createContext, type LabContext } from '../../lab/context.ts';
import { DnsUpdateError, Rfc2136Client, dnsComponent, labDns, query, querySoa, resolveTxt, type LabDns } from '../../lab/dns/index.ts';
import { tsigKeyFile } from '../../lab/dns/tsig-key.ts';
import { signRequest, verifyResponse } from '../../lab/dns/tsig.ts';
import { exchange } from '../../lab/dns/transport.ts';
import { rcodeName, txtRecord, updateMessage } from '../../lab/dns/wire.ts';
import { errorText } from '../../lab/errors.ts';
import { docker, imageExists, removeLabResources } from '../../lab/host/docker.ts';
import { imageByKey } from '../../lab/images/catalog.ts';
import { x509 } from '../../lab/pki/crypto.ts';
import { parseCertificates, verifyChain } from '../../lab/pki/verify.ts';

const LAB = 'certlab-acmetest';

async function skipReason(): Promise<string | undefined> {
  try {
    await docker();
  } catch (err) {
    return errorText(err);
  }
  const missing: string[] = [];
  for (const key of [...dnsComponent.images(parseConfig({}, 'test')), ...acmeComponent.images(parseConfig({}, 'test'))]) {
    if (!(await imageExists(imageByKey(key).ref))) missing.push(imageByKey(key).ref);
  }
  return missing.length ? `images not built: ${missing.join(', ')} (certlab images build)` : undefined;
}

const skip = await skipReason();
if (skip) console.log(`SKIPPED: ${skip}`);

describe.skipIf(skip)('public certificates by DNS-01: Pebble, BIND (RFC 2136) and CoreDNS', () => {
  let stateDir: string;
  let ctx: LabContext;
  let dns: LabDns;
  let zone: string;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'certlab-acmetest-'));
    await removeLabResources(LAB); // leftovers of an interrupted run
    ctx = createContext(parseConfig({
      name: LAB, stateDir,
      network: { name: LAB, subnet: '172.29.50.0/24' },
      ports: { vaultBase: 0, pebble: 0, pebbleManagement: 0, dns: 0 },
    }, 'test'));
    await dnsComponent.start(ctx);
    await acmeComponent.start(ctx);
    dns = await labDns(ctx);
    zone = ctx.config.domains.public;
  });

  afterAll(async () => {
    if (ctx) console.log(ctx.steps.steps.map((s) => `${s.group}: ${s.name} ${s.durationMs} ms${s.ok ? '' : ` FAILED ${s.error}`}`).join('\n'));
    await removeLabResources(LAB);
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('keeps the TSIG secret in a 0600 file', async () => {
    expect((await stat(tsigKeyFile(ctx.paths))).mode & 0o777).toBe(0o600);
  });

  it('resolves the private and public zones through CoreDNS and refuses every other name', async () => {
    expect(await querySoa(dns.resolver, ctx.config.domains.private)).toMatchObject({ mname: `ns.${ctx.config.domains.private}` });
    expect(await querySoa(dns.resolver, zone)).toMatchObject({ mname: `bind.${ctx.config.domains.private}` });
    expect((await query(dns.resolver, 'example.com', 'A')).rcode).toBe('REFUSED');
    const bindA = await query(dns.resolver, `bind.${ctx.config.domains.private}`, 'A');
    expect(bindA.packet.answers?.map((a) => (a.type === 'A' ? a.data : a.type))).toEqual([dns.bindIp]);
  });

  it('adds and removes single TXT values by signed RFC 2136 updates, each visible through CoreDNS at once', async () => {
    const name = `_acme-challenge.rfc2136.${zone}`;
    await dns.rfc2136.addTxt(name, 'first');
    await dns.rfc2136.addTxt(name, 'second');
    expect((await resolveTxt(dns.resolver, name)).sort()).toEqual(['first', 'second']);
    await dns.rfc2136.removeTxt(name, 'first');
    expect(await resolveTxt(dns.resolver, name)).toEqual(['second']);
    await dns.rfc2136.removeTxt(name, 'second');
    expect(await resolveTxt(dns.bind, name)).toEqual([]);
  });

  it('checks BIND\'s signature on each answer: the real one verifies, a tampered one does not', async () => {
    const update = updateMessage(0x4242, zone, [txtRecord(`_acme-challenge.signed.${zone}`, 'value', 60)]);
    const { signed, mac } = signRequest(update, dns.key);
    const answer = await exchange(dns.bind, signed, 'tcp');
    expect(rcodeName(answer)).toBe('NOERROR');
    expect(() => verifyResponse(answer, dns.key, mac)).not.toThrow();
    const tampered = Buffer.from(answer);
    tampered.writeUInt16BE(tampered.readUInt16BE(2) ^ 0x0400, 2); // flip the AA bit
    expect(() => verifyResponse(tampered, dns.key, mac)).toThrow(/does not verify/);
    expect(() => verifyResponse(answer, dns.key, Buffer.alloc(32))).toThrow(/does not verify/);
    await dns.rfc2136.removeTxt(`_acme-challenge.signed.${zone}`, 'value');
  });

  it('refuses updates signed with a wrong secret (BADSIG) or an unknown key (BADKEY), over TCP and UDP', async () => {
    const name = `_acme-challenge.forged.${zone}`;
    const wrongSecret = { ...dns.key, secret: randomBytes(32).toString('base64') };
    for (const transport of ['tcp', 'udp'] as const) {
      const forged = new Rfc2136Client({ server: dns.bind, zone, key: wrongSecret, transport });
      await expect(forged.addTxt(name, 'forged')).rejects.toMatchObject({ name: 'DnsUpdateError', rcode: 'NOTAUTH', tsigError: 'BADSIG' });
    }
    const unknown = new Rfc2136Client({ server: dns.bind, zone, key: { ...wrongSecret, name: 'not-the-lab-key' } });
    const refusal = await unknown.addTxt(name, 'forged').catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(DnsUpdateError);
    expect(refusal).toMatchObject({ rcode: 'NOTAUTH', tsigError: 'BADKEY' });
    expect(await resolveTxt(dns.bind, name)).toEqual([]);
  });

  it('issues www and *.apps of the public zone by DNS-01, chaining to the root from Pebble\'s management API', async () => {
    const domains = [`www.${zone}`, `*.apps.${zone}`];
    const started = performance.now();
    const issued = await issuePublicCertificate(ctx, domains);
    console.log(`issuance of ${domains.join(', ')}: ${Math.round(performance.now() - started)} ms`);

    const [leaf, ...chain] = parseCertificates(issued.certificate);
    const { root, intermediate } = await pebbleRoots(ctx);
    const path = await verifyChain(leaf!, [...chain, ...parseCertificates(intermediate)], parseCertificates(root)[0]!);
    expect(path).toHaveLength(3);
    const sans = leaf!.getExtension(x509.SubjectAlternativeNameExtension)!.names.items.map((n) => n.value);
    expect(sans.sort()).toEqual([...domains].sort());
    expect(issued.privateKey).toMatch(/-----BEGIN (EC )?PRIVATE KEY-----/);
    // The challenge records are gone again.
    expect(await resolveTxt(dns.resolver, `_acme-challenge.www.${zone}`)).toEqual([]);
    expect(await resolveTxt(dns.resolver, `_acme-challenge.apps.${zone}`)).toEqual([]);
  });

  it('keeps running containers on a second start and reports them healthy', async () => {
    const started = performance.now();
    await dnsComponent.start(ctx);
    await acmeComponent.start(ctx);
    expect(performance.now() - started).toBeLessThan(5_000);
    const rows = [...(await dnsComponent.status(ctx)), ...(await acmeComponent.status(ctx))];
    console.log(rows.map((r) => `${r.component}\t${r.address}\t${r.health}\t${r.role}\t${r.detail}`).join('\n'));
    expect(rows.map((r) => [r.component, r.health])).toEqual([['bind', 'ok'], ['coredns', 'ok'], ['pebble', 'ok'], ['challtestsrv', 'ok']]);
    expect(await dnsComponent.isRunning(ctx)).toBe(true);
    expect(await acmeComponent.isRunning(ctx)).toBe(true);
  });

  it('stop removes its containers', async () => {
    await acmeComponent.stop(ctx);
    await dnsComponent.stop(ctx);
    expect(await dnsComponent.isRunning(ctx)).toBe(false);
    expect((await acmeComponent.status(ctx)).map((r) => r.health)).toEqual(['down', 'down']);
  });
});
