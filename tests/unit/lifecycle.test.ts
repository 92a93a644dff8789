// The certificate lifecycle's pure helpers: batch names, quantiles, the forced-renewal status, Pebble's log
// counts, Vault's serial form, OCSP requests and responses, and the report's timelines.
import { KeyObject, sign, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';
import { accountOrders, countPebbleActivity } from '../../lab/acme/index.ts';
import { parseConfig } from '../../lab/config/load.ts';
import { createRootCa, createServerCertificate } from '../../lab/pki/authority.ts';
import { ocspRequest, parseOcspResponse } from '../../lab/pki/ocsp.ts';
import {
  batchCertificateName, certManagerFixedWaitMs, issuanceBatch, manuallyTriggered, nameUnder, platformLayout, publishedNamesRoutes, quantile,
} from '../../lab/platform/index.ts';
import { certManagerValues } from '../../lab/kube/index.ts';
import { renderMarkdown, RunReportSchema, type RunReport } from '../../lab/report/index.ts';
import { vaultSerial } from '../../lab/vault/revocation.ts';

const config = parseConfig({ name: 'unitlab', domains: { private: 'corp.internal', public: 'shop.example' } }, 'test');
const platform = { layout: platformLayout(config) };

describe('issuance batches', () => {
  it('names each kind in its zone, DNS-01 as wildcards, every name carrying the run\'s tag', () => {
    expect(issuanceBatch(platform, 'vault', 2, 'abc123', 'i').hostnames).toEqual(['iv0-abc123.corp.internal', 'iv1-abc123.corp.internal']);
    expect(issuanceBatch(platform, 'http01', 1, 'abc123', 'i').hostnames).toEqual(['ih0-abc123.shop.example']);
    const dns01 = issuanceBatch(platform, 'dns01', 1, 'abc123', 'i');
    expect(dns01.hostnames).toEqual(['*.id0-abc123.shop.example']);
    expect(nameUnder(dns01.hostnames[0]!)).toBe('probe.id0-abc123.shop.example');
    expect(nameUnder('www.shop.example')).toBe('www.shop.example');
  });

  it('attaches Vault Certificates explicitly and ACME ones by the Gateway annotation, unless options ask for a Certificate', () => {
    expect(issuanceBatch(platform, 'vault', 1, 't', 'i').attachment).toBe('certificate');
    expect(issuanceBatch(platform, 'http01', 1, 't', 'i')).toMatchObject({ attachment: 'annotation', issuer: 'pebble-http01', gateway: 'i-http01' });
    expect(issuanceBatch(platform, 'dns01', 1, 't', 'r', { rotationPolicy: 'Never' }).attachment).toBe('certificate');
    expect(batchCertificateName(issuanceBatch(platform, 'dns01', 1, 't', 'r'), 0)).toBe('r-dns01-0-tls');
  });

  it('publishes names in routes of at most 16 hostnames on the public Gateway\'s HTTP listener', () => {
    const names = Array.from({ length: 50 }, (_, i) => `n${i}.shop.example`);
    const routes = publishedNamesRoutes(platform.layout, 'ns', 'published', names);
    expect(routes.map((r) => r.spec.hostnames.length)).toEqual([16, 16, 16, 2]);
    expect(routes[0]!.spec.parentRefs).toEqual([{ name: 'platform-public', namespace: 'platform', sectionName: 'http' }]);
    expect(routes.flatMap((r) => r.spec.hostnames)).toEqual(names);
  });

  it('takes cert-manager\'s fixed waits by issuer and release', () => {
    expect(certManagerFixedWaitMs('v1.11.5', 'http01')).toBe(10_000);
    expect(certManagerFixedWaitMs('v1.21.2', 'http01')).toBe(8_000);
    expect(certManagerFixedWaitMs('v1.11.5', 'dns01')).toBe(60_000);
    expect(certManagerFixedWaitMs('v1.11.5', 'vault')).toBe(0);
    // Five challenges sleep at a time (cert-manager's 5 workers): the 6th to finish waited two rounds, the 50th ten.
    expect(certManagerFixedWaitMs('v1.11.5', 'dns01', 4)).toBe(60_000);
    expect(certManagerFixedWaitMs('v1.11.5', 'dns01', 5)).toBe(120_000);
    expect(certManagerFixedWaitMs('v1.11.5', 'dns01', 49)).toBe(600_000);
    expect(certManagerFixedWaitMs('v1.11.5', 'http01', 49)).toBe(100_000);
    // From v1.15 the lab sets --concurrent-workers to 50: a batch of 50 waits one round.
    expect(certManagerFixedWaitMs('v1.21.2', 'dns01', 49)).toBe(60_000);
    expect(certManagerFixedWaitMs('v1.21.2', 'dns01', 50)).toBe(120_000);
  });

  it('lifts cert-manager\'s API client limits, and sets workers only where the release takes the flag', () => {
    const args = (version: string) => certManagerValues(version, '172.29.0.4').extraArgs as string[];
    for (const version of ['v1.11.5', 'v1.21.2']) {
      expect(args(version)).toEqual(expect.arrayContaining(['--kube-api-qps=500', '--kube-api-burst=1000', '--dns01-recursive-nameservers=172.29.0.4:53']));
    }
    expect(args('v1.11.5').some((a) => a.startsWith('--concurrent-workers'))).toBe(false);
    expect(args('v1.21.2')).toContain('--concurrent-workers=50');
    expect(args('v1.11.5')).toContain('--feature-gates=ExperimentalGatewayAPISupport=true');
  });

  it('reads quantiles by nearest rank', () => {
    const values = [5, 1, 4, 2, 3];
    expect(quantile(values, 0.5)).toBe(3);
    expect(quantile(values, 0.95)).toBe(5);
    expect(quantile([7], 0.95)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('forced renewal', () => {
  const crt = {
    apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'c', generation: 3 },
    status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Issuing', status: 'False', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
  };

  it('sets Issuing True, reason ManuallyTriggered, as cmctl renew does, keeping the other conditions', () => {
    const out = manuallyTriggered(crt, new Date('2026-11-23T01:02:03.456Z'));
    expect(out.status.conditions).toEqual([
      { type: 'Ready', status: 'True' },
      { type: 'Issuing', status: 'True', reason: 'ManuallyTriggered', message: 'Certificate re-issuance manually triggered', lastTransitionTime: '2026-11-23T01:02:03Z', observedGeneration: 3 },
    ]);
  });

  it('keeps lastTransitionTime when Issuing is already True', () => {
    const issuing = { ...crt, status: { conditions: [{ type: 'Issuing', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] } };
    expect(manuallyTriggered(issuing, new Date()).status.conditions[0].lastTransitionTime).toBe('2026-01-01T00:00:00Z');
  });
});

describe('Pebble\'s activity', () => {
  const log = [
    '2026-11-23T01:33:04.990Z Pebble 2026/11/23 01:33:04 POST /order-plz -> calling handler()',
    '2026-11-23T01:33:04.992Z Pebble 2026/11/23 01:33:04 There are now 1 authorizations in the db',
    '2026-11-23T01:33:04.993Z Pebble 2026/11/23 01:33:04 Added order "jnV86" to the db',
    '2026-11-23T01:33:05.124Z Pebble 2026/11/23 01:33:05 Added order "WplP1" to the db',
    '2026-11-23T01:33:20.638Z Pebble 2026/11/23 01:33:20 authz X0_B set VALID by completed challenge K5Db',
    '2026-11-23T01:40:00.000Z Pebble 2026/11/23 01:40:00 Added order "later" to the db',
  ].join('\n');

  it('counts orders, new authorizations and validations in the window only', () => {
    expect(countPebbleActivity(log, Date.parse('2026-11-23T01:33:00Z'), Date.parse('2026-11-23T01:35:00Z'))).toEqual({ orderIds: ['jnV86', 'WplP1'], authorizations: 1, validations: 1 });
    expect(countPebbleActivity(log, Date.parse('2026-11-23T01:39:00Z'), Date.parse('2026-11-23T01:41:00Z'))).toEqual({ orderIds: ['later'], authorizations: 0, validations: 0 });
  });

  it('tells the orders a client kept track of from those it made and lost, and URLs of orders made elsewhere', () => {
    const url = (id: string) => `https://pebble.lab:14000/my-order/${id}`;
    expect(accountOrders(['a', 'b', 'c'], [url('a'), url('c')])).toEqual({ used: 2, abandoned: ['b'], unknown: [] });
    expect(accountOrders(['a'], [url('a'), url('old')])).toEqual({ used: 1, abandoned: [], unknown: [url('old')] });
    // An Order that recorded no URL points at nothing.
    expect(accountOrders(['a'], [''])).toEqual({ used: 0, abandoned: ['a'], unknown: [''] });
  });
});

describe('revocation', () => {
  it('writes serials as Vault\'s API takes them', () => {
    expect(vaultSerial('1D2D4DD675F8')).toBe('1d:2d:4d:d6:75:f8');
    expect(vaultSerial('ABC')).toBe('0a:bc');
  });

  /** A BasicOCSPResponse about `leaf`, signed with `key`: status 0 good, 1 revoked. */
  function ocspResponse(leaf: X509Certificate, issuer: X509Certificate, key: KeyObject, status: 0 | 1): Buffer {
    // The request's CertID, as a responder echoes it.
    const request = asn1js.fromBER(new Uint8Array(ocspRequest(leaf, issuer)).buffer).result as asn1js.Sequence;
    const certId = (((request.valueBlock.value[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence).valueBlock.value[0]!;
    const time = new asn1js.GeneralizedTime({ valueDate: new Date('2026-11-23T01:00:00Z') });
    const certStatus = status === 0
      ? new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 } })
      : new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 1 }, value: [new asn1js.GeneralizedTime({ valueDate: new Date('2026-11-23T00:59:00Z') })] });
    const tbs = new asn1js.Sequence({
      value: [
        new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 2 }, value: [new asn1js.OctetString({ valueHex: new Uint8Array(20) })] }),
        time,
        new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [certId, certStatus, time] })] }),
      ],
    });
    const tbsDer = Buffer.from(tbs.toBER(false));
    const basic = new asn1js.Sequence({
      value: [
        tbs,
        new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: '1.2.840.10045.4.3.3' })] }),
        new asn1js.BitString({ valueHex: sign('sha384', tbsDer, key) }),
      ],
    });
    return Buffer.from(new asn1js.Sequence({
      value: [
        new asn1js.Enumerated({ value: 0 }),
        new asn1js.Constructed({
          idBlock: { tagClass: 3, tagNumber: 0 },
          value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: '1.3.6.1.5.5.7.48.1.1' }), new asn1js.OctetString({ valueHex: basic.toBER(false) })] })],
        }),
      ],
    }).toBER(false));
  }

  it('reads good and revoked from a response signed by the issuer, and refuses one signed by another key', async () => {
    const root = await createRootCa('CN=unit root', 1);
    const other = await createRootCa('CN=other root', 1);
    const leafKeyed = await createServerCertificate(root, 'leaf.corp.internal', { dns: ['leaf.corp.internal'], ips: [] }, 1);
    const leaf = new X509Certificate(Buffer.from(leafKeyed.cert.rawData));
    const issuer = new X509Certificate(Buffer.from(root.cert.rawData));
    const rootKey = KeyObject.from(root.keys.privateKey);
    expect(parseOcspResponse(ocspResponse(leaf, issuer, rootKey, 0), leaf, issuer).status).toBe('good');
    const revoked = parseOcspResponse(ocspResponse(leaf, issuer, rootKey, 1), leaf, issuer);
    expect(revoked).toMatchObject({ status: 'revoked', revokedAt: new Date('2026-11-23T00:59:00Z') });
    const forged = ocspResponse(leaf, issuer, KeyObject.from(other.keys.privateKey), 1);
    expect(() => parseOcspResponse(forged, leaf, issuer)).toThrow(/not signed by/);
  });
});

describe('timelines in the report', () => {
  it('shows one row per subject, each event as an offset from its request', () => {
    const now = '2026-11-23T01:00:00.000Z';
    const report: RunReport = RunReportSchema.parse({
      schemaVersion: 1, runId: 'r', startedAt: now, endedAt: now, passed: true,
      environment: { host: { hostname: 'h', cores: 2, memoryBytes: 1, os: 'Linux', node: 'v20', cpuModel: 'cpu' }, vaultFlavor: 'openbao', images: [] },
      setup: [],
      scenarios: [{
        name: 'certificate-renewal', description: 'd', startedAt: now, endedAt: now, durationMs: 0, status: 'passed', steps: [], figures: [], assertions: [], notes: [],
        timelines: [{ subject: 'r-vault-0-tls', events: [
          { event: 'requested', at: '2026-11-23T01:00:00.000Z' },
          { event: 'Ready', at: '2026-11-23T01:00:01.500Z' },
          { event: 'served', at: '2026-11-23T01:00:03.000Z', detail: 'serial AB' },
          { event: 'renewed', at: '2026-11-23T01:01:00.000Z', detail: 'serial CD' },
          { event: 'served', at: '2026-11-23T01:01:02.000Z', detail: 'serial CD' },
        ] }],
      }],
    });
    const md = renderMarkdown(report);
    expect(md).toContain('### Timelines');
    expect(md).toContain('| Subject | requested (UTC) | Ready | served | renewed | Detail |');
    expect(md).toContain('| r-vault-0-tls | 01:00:00.000 | +1.50 s | +3.00 s, +1 m 02 s | +1 m 00 s | served: serial AB; renewed: serial CD; served: serial CD |');
  });
});
