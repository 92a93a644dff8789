import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lab/config/load.ts';
import { dnsLayout } from '../../lab/dns/layout.ts';
import { renderCorefile, renderNamedConf, renderPrivateZone, renderPublicZone } from '../../lab/dns/render.ts';
import { renderLabHosts } from '../../lab/host/names.ts';
import { readTsig, signRequest, verifyResponse, type TsigKey } from '../../lab/dns/tsig.ts';
import { CLASS_NONE, txtRecord, updateMessage } from '../../lab/dns/wire.ts';
import { renderPebbleConfig } from '../../lab/acme/render.ts';

const config = parseConfig({ name: 'certlab-unit' }, 'test');
const layout = dnsLayout(config, { root: '/s', offlineRoot: '/s/o', pki: '/s/p', mounts: '/s/m', secrets: '/s/k', snapshots: '/s/n', audit: '/s/a' });
const key: TsigKey = { name: layout.tsigKeyName, algorithm: 'hmac-sha256', secret: Buffer.alloc(32, 7).toString('base64') };
const BIND_IP = '172.29.0.5';

/** Lines that configure something: no comments, no blank lines. */
const directives = (text: string, comment: RegExp) => text.split('\n').map((l) => l.replace(comment, '').trim()).filter(Boolean);

describe('named.conf', () => {
  it('serves the public zone, takes TXT and address updates and transfers signed with the lab key only, and never recurses', async () => {
    const conf = await renderNamedConf(layout.publicZone, key);
    expect(conf).toContain(`zone "certlab.example" {`);
    expect(conf).toContain(`key "certlab-unit-rfc2136" {`);
    expect(conf).toMatch(/algorithm hmac-sha256;/);
    expect(conf).toContain(`secret "${key.secret}";`);
    expect(conf).toMatch(/grant certlab-unit-rfc2136 zonesub TXT A AAAA CNAME;/);
    expect(conf).toMatch(/allow-transfer \{ key "certlab-unit-rfc2136"; \};/);
    expect(conf).not.toMatch(/zonesub (ANY|.*\bNS\b|.*\bSOA\b)/);
    expect(conf).toMatch(/recursion no;/);
    expect(conf).not.toMatch(/allow-update\s*\{\s*any/);
    expect(conf).not.toMatch(/forwarders/);
    expect(conf).toContain('file "/certlab/db.certlab.example";');
    expect(conf).toContain('journal "/tmp/db.certlab.example.jnl";');
  });

  it('has a zone whose NS lives outside it (no glue needed) and no leftover placeholders', async () => {
    const zone = await renderPublicZone(layout.publicZone, 'bind.lab.test');
    expect(zone).toMatch(/^\$ORIGIN certlab\.example\.$/m);
    expect(zone).toMatch(/^@\s+IN\s+SOA\s+bind\.lab\.test\. hostmaster\.certlab\.example\. \( 1 /m);
    expect(zone).toMatch(/^@\s+IN\s+NS\s+bind\.lab\.test\.$/m);
    expect(zone).not.toContain('{{');
  });
});

describe('Corefile', () => {
  it('serves the private zone, forwards only the public zone and only to BIND', async () => {
    const corefile = await renderCorefile(layout.publicZone, layout.privateZone, BIND_IP, '/names/private.hosts');
    const lines = directives(corefile, /#.*$/);
    expect(lines).toContain('certlab.example:53 {');
    expect(lines).toContain('lab.test:53 {');
    expect(lines).toContain('file /certlab/db.private');
    expect(lines).toContain('hosts /names/private.hosts {');
    expect(lines.filter((l) => l.startsWith('forward'))).toEqual([`forward . ${BIND_IP}:53`]);
  });

  it('has no root block, no resolv.conf and no cache, so nothing leaves the machine and new TXT records show at once', async () => {
    const lines = directives(await renderCorefile(layout.publicZone, layout.privateZone, BIND_IP, '/names/private.hosts'), /#.*$/);
    expect(lines.some((l) => /^\.(:\d+)?\s*\{/.test(l))).toBe(false);
    expect(lines.join('\n')).not.toMatch(/resolv\.conf|^cache\b/m);
  });

  it('renders the private zone', async () => {
    const zone = await renderPrivateZone(layout.privateZone);
    expect(zone).toMatch(/^@\s+IN\s+SOA\s+ns\.lab\.test\. /m);
    expect(zone).toMatch(/^@\s+IN\s+NS\s+ns\.lab\.test\.$/m);
  });

  it('renders the lab\'s names: only those in the private zone, only of containers with an address, sorted', () => {
    const hosts = renderLabHosts('lab.test', [
      { aliases: ['vault-2', 'vault-2.lab.test'], ip: '172.29.0.8' },
      { aliases: ['coredns', 'coredns.lab.test', 'ns.lab.test'], ip: '172.29.0.6' },
      { aliases: ['bind', 'bind.lab.test', 'bind.lab.test.evil'], ip: BIND_IP },
      { aliases: ['vault-1', 'vault-1.lab.test'], ip: undefined },
    ]);
    expect(hosts).toBe(`${BIND_IP}\tbind.lab.test\n172.29.0.6\tcoredns.lab.test\n172.29.0.6\tns.lab.test\n172.29.0.8\tvault-2.lab.test\n`);
  });
});

describe('pebble-config.json', () => {
  it('is JSON with the mounted certificate and the standard ports', async () => {
    const parsed = JSON.parse(await renderPebbleConfig('/certlab/bundle.pem', '/certlab/pebble-key.pem')) as { pebble: Record<string, unknown> };
    expect(parsed.pebble).toMatchObject({ listenAddress: '0.0.0.0:14000', managementListenAddress: '0.0.0.0:15000', certificate: '/certlab/bundle.pem', privateKey: '/certlab/pebble-key.pem' });
  });
});

describe('RFC 2136 message and TSIG', () => {
  const update = updateMessage(0x1234, 'certlab.example', [txtRecord('_acme-challenge.www.certlab.example', 'token', 60), txtRecord('_acme-challenge.www.certlab.example', 'old', 0, CLASS_NONE)]);

  it('builds an UPDATE with the zone section and two update records', () => {
    expect((update.readUInt16BE(2) >> 11) & 0xf).toBe(5);
    expect([4, 6, 8, 10].map((at) => update.readUInt16BE(at))).toEqual([1, 0, 2, 0]);
  });

  it('appends a TSIG record that names the key and algorithm and carries a 32-byte MAC', () => {
    const { signed, mac } = signRequest(update, key, Date.UTC(2026, 0, 1));
    expect(signed.readUInt16BE(10)).toBe(1);
    const tsig = readTsig(signed)!;
    expect(tsig).toMatchObject({ keyName: key.name, algorithm: 'hmac-sha256', timeSigned: Date.UTC(2026, 0, 1) / 1000, fudge: 300, originalId: 0x1234, error: 0 });
    expect(tsig.mac.equals(mac)).toBe(true);
    expect(mac).toHaveLength(32);
    expect(signRequest(update, { ...key, secret: Buffer.alloc(32, 8).toString('base64') }, Date.UTC(2026, 0, 1)).mac.equals(mac)).toBe(false);
  });

  it('rejects an unsigned response', () => {
    expect(() => verifyResponse(update, key, Buffer.alloc(32))).toThrow(/no TSIG/);
  });
});
