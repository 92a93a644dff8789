// cert-manager with Gateway API support, installed with helm. The locally built v1.11.5 enables it with the
// ExperimentalGatewayAPISupport feature gate; v1.15+ (for users who pull the current release from a
// registry) with `config.enableGatewayAPI`; v1.12–v1.14 still take the feature gate.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { $ } from 'zx';
import { CERT_MANAGER_VERSION } from '../images/kubernetes.ts';
import { certManagerChart } from '../cluster/artifacts.ts';
import { deploymentAvailable, explainDeployment, waitFor } from '../cluster/kube.ts';

export const CERT_MANAGER_NAMESPACE = 'cert-manager';
export const CERT_MANAGER_DEPLOYMENTS = ['cert-manager', 'cert-manager-webhook', 'cert-manager-cainjector'];

function minor(version: string): number {
  const m = /^v?1\.(\d+)\./.exec(version);
  if (!m) throw new Error(`cannot read cert-manager version ${version}`);
  return Number(m[1]);
}

/** Helm values that install cert-manager (CRDs included) with Gateway API support, for `version`. */
export function certManagerValues(version: string): Record<string, unknown> {
  const v = minor(version);
  const values: Record<string, unknown> = {
    // The lab waits by watching the Deployments and the webhook's CA bundle; startupapicheck would need the
    // cert-manager-ctl image besides.
    startupapicheck: { enabled: false },
    image: { pullPolicy: 'IfNotPresent' },
  };
  if (v >= 15) {
    values.crds = { enabled: true, keep: false };
    values.config = { apiVersion: 'controller.config.cert-manager.io/v1alpha1', kind: 'ControllerConfiguration', enableGatewayAPI: true };
  } else {
    values.installCRDs = true;
    values.extraArgs = ['--feature-gates=ExperimentalGatewayAPISupport=true'];
  }
  return values;
}

export interface CertManagerInstall {
  helm: string;
  kubeconfigFile: string;
  stateDir: string;
  /** Chart directory or reference (e.g. oci://quay.io/jetstack/charts/cert-manager); default: the chart
   *  assembled from the cert-manager module of `version` (Go module proxy), so only images need pulling. */
  chart?: string;
  version?: string;
}

export async function installCertManager(o: CertManagerInstall): Promise<void> {
  const version = o.version ?? CERT_MANAGER_VERSION;
  const chart = o.chart ?? (await certManagerChart(version));
  const valuesFile = join(o.stateDir, 'cert-manager-values.json');
  await writeFile(valuesFile, JSON.stringify(certManagerValues(version), null, 2));
  const versionArgs = o.chart && !o.chart.startsWith('/') ? ['--version', version] : [];
  const r = await $({ quiet: true, nothrow: true })`${o.helm} upgrade --install cert-manager ${chart} ${versionArgs} --namespace ${CERT_MANAGER_NAMESPACE} --create-namespace --kubeconfig ${o.kubeconfigFile} --values ${valuesFile}`;
  if (r.exitCode !== 0) throw new Error(`helm upgrade --install cert-manager: ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
}

/** Deployments available and the webhook's CA bundle injected (so the API accepts cert-manager objects). */
export async function waitCertManagerReady(kc: k8s.KubeConfig, timeoutMs: number): Promise<void> {
  await Promise.all([
    waitFor(kc, {
      path: `/apis/apps/v1/namespaces/${CERT_MANAGER_NAMESPACE}/deployments`, names: CERT_MANAGER_DEPLOYMENTS,
      ready: deploymentAvailable, explain: explainDeployment, what: 'cert-manager Deployments available', timeoutMs,
    }),
    waitFor(kc, {
      path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', names: ['cert-manager-webhook'],
      ready: (w) => (w as any).webhooks?.every((h: any) => !!h.clientConfig?.caBundle) ?? false,
      explain: () => 'CA bundle not injected yet', what: 'cert-manager webhook CA bundle', timeoutMs,
    }),
  ]);
}
