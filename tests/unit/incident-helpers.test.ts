// The pure parts of the incident scenarios' helpers: cmctl renew's condition, the Certificates a scenario
// makes, how a renewal is recognised, how a CertificateRequest is summarised, and the trigger controller's
// backoff rule as the lab computes it.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../lab/kube/api.ts';
import { MANUAL_TRIGGER, withManualTrigger } from '../../lab/platform/forced-renewal.ts';
import { describeCertificateStatus, describeRequest, failedRequests, nextAttemptAfterBackoff, requestFact } from '../../lab/platform/issuance-facts.ts';
import { certificateSet, explainIssuance, renewedSince } from '../../lab/platform/scenario-certificates.ts';

const cert = (status: Record<string, unknown>, generation = 3) => ({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'c1', generation }, status });

describe('forced renewal (cmctl renew)', () => {
  it('adds Issuing=True ManuallyTriggered with the generation, keeping the other conditions', () => {
    const now = new Date('2026-11-23T01:00:00.123Z');
    const out = withManualTrigger(cert({ conditions: [{ type: 'Ready', status: 'True', reason: 'Ready' }] }), now);
    expect(out.status.conditions).toEqual([
      { type: 'Ready', status: 'True', reason: 'Ready' },
      { ...MANUAL_TRIGGER, lastTransitionTime: '2026-11-23T01:00:00Z', observedGeneration: 3 },
    ]);
  });
  it('replaces an Issuing condition, moving its transition time only when the status changes', () => {
    const now = new Date('2026-11-23T02:00:00Z');
    const wasFalse = withManualTrigger(cert({ conditions: [{ type: 'Issuing', status: 'False', reason: 'Failed', lastTransitionTime: '2026-11-23T01:00:00Z' }] }), now);
    expect(wasFalse.status.conditions).toHaveLength(1);
    expect(wasFalse.status.conditions[0]).toMatchObject({ status: 'True', reason: 'ManuallyTriggered', lastTransitionTime: '2026-11-23T02:00:00Z' });
    const wasTrue = withManualTrigger(cert({ conditions: [{ type: 'Issuing', status: 'True', reason: 'Renewing', lastTransitionTime: '2026-11-23T01:00:00Z' }] }), now);
    expect(wasTrue.status.conditions[0]).toMatchObject({ reason: 'ManuallyTriggered', lastTransitionTime: '2026-11-23T01:00:00Z' });
  });
});

describe('scenario Certificates', () => {
  it('makes count Certificates from the issuer, one name each in the zone, Secret after the name', () => {
    const set = certificateSet('burst', 3, 'ns1', 'vault-private', 'corp.internal');
    expect(set.map((c) => [c.metadata!.name, c.spec.dnsNames, c.spec.secretName, c.spec.issuerRef.name])).toEqual([
      ['burst-1', ['burst-1.corp.internal'], 'burst-1-tls', 'vault-private'],
      ['burst-2', ['burst-2.corp.internal'], 'burst-2-tls', 'vault-private'],
      ['burst-3', ['burst-3.corp.internal'], 'burst-3-tls', 'vault-private'],
    ]);
    expect(set.every((c) => c.metadata!.namespace === 'ns1' && c.spec.issuerRef.kind === 'ClusterIssuer')).toBe(true);
  });
  it('counts a Certificate renewed only past its revision, Ready, and not issuing', () => {
    const renewed = renewedSince(new Map([['c1', 2]]));
    const ready = { type: 'Ready', status: 'True' };
    expect(renewed(cert({ revision: 2, conditions: [ready] }))).toBe(false);
    expect(renewed(cert({ revision: 3, conditions: [ready, { type: 'Issuing', status: 'True' }] }))).toBe(false);
    expect(renewed(cert({ revision: 3, conditions: [{ type: 'Ready', status: 'False' }] }))).toBe(false);
    expect(renewed(cert({ revision: 3, conditions: [ready] }))).toBe(true);
    expect(explainIssuance(cert({ revision: 2, failedIssuanceAttempts: 1, conditions: [ready, { type: 'Issuing', status: 'False', reason: 'Failed' }] })))
      .toBe('revision 2, Ready=True, Issuing=False (Failed), failedIssuanceAttempts 1');
  });
});

describe('issuance facts', () => {
  // As the API sends it: creationTimestamp is a string on the wire, whatever client-node's type says.
  const cr = (reason: string, status: string, revision: number) => ({
    metadata: { name: `c1-${revision}`, creationTimestamp: '2026-11-23T01:00:00Z', annotations: { 'cert-manager.io/certificate-name': 'c1', 'cert-manager.io/certificate-revision': String(revision) } },
    status: { conditions: [{ type: 'Ready', status, reason, message: 'Failed to initialise vault client for signing:\n EOF', lastTransitionTime: '2026-11-23T01:00:02Z' }] },
  }) as unknown as KubeObject;
  it('reads a CertificateRequest\'s certificate, revision and Ready condition', () => {
    const f = requestFact(cr('Pending', 'False', 2));
    expect(f).toMatchObject({ name: 'c1-2', certificate: 'c1', revision: 2, status: 'False', reason: 'Pending', message: 'Failed to initialise vault client for signing: EOF' });
    expect(f.readyAt! - f.createdAt).toBe(2_000);
    expect(describeRequest(f)).toBe('c1-2 (c1 #2): Ready=False Pending: Failed to initialise vault client for signing: EOF');
    expect(failedRequests([f, requestFact(cr('Failed', 'False', 3)), requestFact(cr('Issued', 'True', 4))]).map((x) => x.revision)).toEqual([3]);
  });
  it('computes the trigger controller\'s next attempt: 1 h, doubling, at most 32 h', () => {
    const failed = (n: number) => cert({ lastFailureTime: '2026-11-23T01:00:00Z', failedIssuanceAttempts: n });
    expect(nextAttemptAfterBackoff(cert({}))).toBeUndefined();
    expect(nextAttemptAfterBackoff(failed(1))).toBe('2026-11-23T02:00:00Z');
    expect(nextAttemptAfterBackoff(failed(3))).toBe('2026-11-23T05:00:00Z');
    expect(nextAttemptAfterBackoff(failed(6))).toBe('2026-11-24T09:00:00Z');
    expect(nextAttemptAfterBackoff(failed(40))).toBe('2026-11-24T09:00:00Z');
  });
  it('describes a Certificate\'s conditions and failure bookkeeping on one line', () => {
    expect(describeCertificateStatus(cert({ conditions: [{ type: 'Issuing', status: 'False', reason: 'Failed', message: 'boom' }], failedIssuanceAttempts: 1, lastFailureTime: '2026-11-23T01:00:00Z' })))
      .toBe('Issuing=False (Failed): boom; failedIssuanceAttempts 1; lastFailureTime 2026-11-23T01:00:00Z');
  });
});
