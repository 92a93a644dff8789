// Forced renewal as `cmctl renew` does it (cert-manager v1.11.5 cmd/ctl/pkg/renew/renew.go): the
// Certificate's `Issuing` condition set True, reason ManuallyTriggered, through the status subresource.
// The issuing controller then makes a new CertificateRequest at once, whatever the trigger controller's
// backoff after failed issuances (status.failedIssuanceAttempts, lastFailureTime) would have said.
import type { KubeCluster } from '../kube/connect.ts';
import type { KubeObject } from '../kube/api.ts';
import { updateStatus } from '../kube/writes.ts';

export const MANUAL_TRIGGER = { type: 'Issuing', status: 'True', reason: 'ManuallyTriggered', message: 'Certificate re-issuance manually triggered' } as const;

interface Condition { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; observedGeneration?: number }

/** The Certificate with its Issuing condition set as cmctl sets it (apiutil.SetCertificateCondition). */
export function withManualTrigger(cert: KubeObject, now: Date): KubeObject {
  const conditions: Condition[] = [...(cert.status?.conditions ?? [])];
  const i = conditions.findIndex((c) => c.type === MANUAL_TRIGGER.type);
  const previous = i >= 0 ? conditions[i] : undefined;
  const next: Condition = {
    ...MANUAL_TRIGGER,
    // As cert-manager does: the transition time moves only when the status changes.
    lastTransitionTime: previous?.status === MANUAL_TRIGGER.status && previous.lastTransitionTime ? previous.lastTransitionTime : now.toISOString().replace(/\.\d+Z$/, 'Z'),
    ...(cert.metadata?.generation !== undefined ? { observedGeneration: cert.metadata.generation } : {}),
  };
  if (i >= 0) conditions[i] = next;
  else conditions.push(next);
  return { ...cert, status: { ...cert.status, conditions } };
}

export const certificatesPath = (namespace: string) => `/apis/cert-manager.io/v1/namespaces/${namespace}/certificates`;

/** `cmctl renew` of each named Certificate. */
export async function forceRenewal(kubeCluster: KubeCluster, namespace: string, names: string[]): Promise<void> {
  await Promise.all(names.map((name) => updateStatus(kubeCluster.kubeconfig, `${certificatesPath(namespace)}/${name}`, (obj) => {
    obj.status = withManualTrigger(obj, new Date()).status;
  })));
}

/**
 * The remedy for a renewal stuck in progress (Issuing=True with a CertificateRequest left Pending, which
 * cert-manager v1.11 does not retry by itself: its Vault signer returns "Pending" without an error, so
 * nothing re-queues it): the CertificateRequests of the revision in progress deleted, so the
 * request manager makes a new one now, and the Issuing condition set as cmctl renew sets it. Returns the
 * deleted requests' names.
 */
export async function restartIssuance(kubeCluster: KubeCluster, namespace: string, names: string[]): Promise<string[]> {
  const { items } = await kubeCluster.get<{ items: KubeObject[] }>(`/apis/cert-manager.io/v1/namespaces/${namespace}/certificaterequests`);
  const certs = await kubeCluster.get<{ items: KubeObject[] }>(certificatesPath(namespace));
  const inProgress = items.filter((cr) => {
    const a = cr.metadata?.annotations ?? {};
    const cert = certs.items.find((c) => c.metadata?.name === a['cert-manager.io/certificate-name']);
    const ready = (cr.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
    return !!cert && names.includes(cert.metadata!.name!) && Number(a['cert-manager.io/certificate-revision']) === (cert.status?.revision ?? 0) + 1 && ready?.status !== 'True';
  });
  await kubeCluster.delete(inProgress.map((cr) => ({ ...cr, apiVersion: 'cert-manager.io/v1', kind: 'CertificateRequest' })));
  await forceRenewal(kubeCluster, namespace, names);
  return inProgress.map((cr) => cr.metadata!.name!);
}
