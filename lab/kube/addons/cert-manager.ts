// cert-manager with Gateway API support, installed with helm. The locally built v1.11.5 enables it with the
// ExperimentalGatewayAPISupport feature gate; v1.15+ (for users who pull the current release from a
// registry) with `config.enableGatewayAPI`; v1.12–v1.14 still take the feature gate.
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabContext } from '../../context.ts';
import { runCommand } from '../../host/command.ts';
import { CERT_MANAGER_VERSION } from '../../images/kubernetes.ts';
import { deploymentAvailable, explainDeployment } from '../api.ts';
import { ARTIFACT_DIR, artifactSpec, goModuleDir } from '../artifacts.ts';
import type { KubeCluster } from '../connect.ts';

export const CERT_MANAGER_DEPLOYMENTS = ['cert-manager', 'cert-manager-webhook', 'cert-manager-cainjector'];

function minor(version: string): number {
  const m = /^v?1\.(\d+)\./.exec(version);
  if (!m) throw new Error(`cannot read cert-manager version ${version}`);
  return Number(m[1]);
}

/**
 * Waits cert-manager's ACME code always takes, whatever its flags (read in its source, v1.11.5 and
 * v1.21.2): after a DNS-01 challenge's propagation check passes, a fixed 60 s sleep (pkg/issuer/acme/dns/
 * dns.go; cert-manager #5430, #5447), and challenges for the same name (a name and its wildcard) are solved
 * one after the other; the HTTP-01 self-check passes 5 times 2 s apart (pkg/issuer/acme/http/http.go),
 * 10 s, since v1.21 8 s (no sleep after the last pass).
 */
export const CERT_MANAGER_DNS01_WAIT_S = 60;
/**
 * Workers of each cert-manager controller. Up to v1.14 hard-coded (cmd/controller/app/controller.go
 * `workers := 5`, v1.11.5); from v1.15 the `--concurrent-workers` flag sets them, and the lab sets as many
 * as its largest batch (cert-manager's own e2e setup sets 200). The waits above are sleeps inside the
 * challenge controller's sync, so at most this many challenges wait at a time: with 5, 50 DNS-01 challenges
 * at once take ten rounds of 60 s.
 */
export function certManagerWorkers(version: string): number {
  return minor(version) >= 15 ? LAB_CONCURRENT_WORKERS : 5;
}
const LAB_CONCURRENT_WORKERS = 50;

/**
 * cert-manager's client to the API server is throttled to 20 requests a second (burst 50) by default, and
 * one Certificate costs it about a dozen writes (key Secret, CertificateRequest, approval, status updates,
 * the Secret, events): 50 Certificates at once waited in that queue, not for Vault (p50 28 s with 48
 * "client-side throttling" waits over 1 s in its log, on the lab's 2-core machine). The lab's API server
 * serves one controller; cert-manager's e2e setup lifts the limit the same way (make/e2e-setup.mk).
 */
export function throughputArgs(version: string): string[] {
  return [
    '--kube-api-qps=500',
    '--kube-api-burst=1000',
    ...(minor(version) >= 15 ? [`--concurrent-workers=${LAB_CONCURRENT_WORKERS}`] : []),
  ];
}

export function http01SelfCheckWaitS(version: string): number {
  return minor(version) >= 21 ? 8 : 10;
}

/**
 * Controller flags that make ACME as fast as the lab's DNS allows, as cert-manager's own end-to-end setup
 * does (make/e2e-setup.mk). With defaults, cert-manager checks DNS-01 propagation through the pod's
 * resolver (the kind cluster's CoreDNS, which caches) and then at the zone's authoritative servers, and
 * retries every 10 s; the lab's CoreDNS has no cache and takes BIND's answers as they are, so it is asked
 * directly and every second. The HTTP-01 self-check resolves through it too.
 */
export function acmeSpeedArgs(labDns: string): string[] {
  return [
    `--dns01-recursive-nameservers=${labDns}:53`,
    '--dns01-recursive-nameservers-only',
    '--dns01-check-retry-period=1s',
    `--acme-http01-solver-nameservers=${labDns}:53`,
  ];
}

/**
 * Helm values that install cert-manager (CRDs included) with Gateway API support, for `version`, its API
 * client unthrottled (throughputArgs); with `labDns` (the lab's CoreDNS address), ACME checks go straight
 * to it (acmeSpeedArgs).
 */
export function certManagerValues(version: string, labDns?: string): Record<string, unknown> {
  const v = minor(version);
  const speed = [...throughputArgs(version), ...(labDns ? acmeSpeedArgs(labDns) : [])];
  const values: Record<string, unknown> = {
    // The lab waits by watching the Deployments and the webhook's CA bundle; startupapicheck would need the
    // cert-manager-ctl image besides.
    startupapicheck: { enabled: false },
    image: { pullPolicy: 'IfNotPresent' },
  };
  if (v >= 15) {
    values.crds = { enabled: true, keep: false };
    values.config = { apiVersion: 'controller.config.cert-manager.io/v1alpha1', kind: 'ControllerConfiguration', enableGatewayAPI: true };
    values.extraArgs = speed;
  } else {
    values.installCRDs = true;
    values.extraArgs = ['--feature-gates=ExperimentalGatewayAPISupport=true', ...speed];
  }
  return values;
}

/**
 * cert-manager's chart for `version` as its release tooling assembles it from deploy/charts/cert-manager:
 * up to v1.11 Chart.yaml comes from Chart.template.yaml and templates/crds.yaml from deploy/crds/*.yaml
 * inside `{{- if .Values.installCRDs }}`; later charts carry Chart.yaml and the CRD templates themselves,
 * so only version/appVersion are set. Cached under ~/.cache/certlab/artifacts.
 */
export async function certManagerChart(version = CERT_MANAGER_VERSION): Promise<string> {
  const out = join(ARTIFACT_DIR, `cert-manager-chart-${version}`);
  if (existsSync(join(out, 'Chart.yaml'))) return out;
  const a = artifactSpec('cert-manager-chart');
  const mod = await goModuleDir(a.module, version);
  const tmp = `${out}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(ARTIFACT_DIR, { recursive: true });
  await cp(join(mod, a.path), tmp, { recursive: true });
  await runCommand(['chmod', '-R', 'u+w', tmp]);
  const templated = existsSync(join(tmp, 'Chart.template.yaml'));
  const chartFile = join(tmp, templated ? 'Chart.template.yaml' : 'Chart.yaml');
  const chart = await readFile(chartFile, 'utf8');
  await writeFile(join(tmp, 'Chart.yaml'), chart
    .replace(/^version: .*$/m, `version: ${version}`)
    .replace(/^appVersion: .*$/m, `appVersion: ${version}`)
    .replace('{{IS_PRERELEASE}}', 'false'));
  if (templated) {
    await rm(chartFile);
    const crdDir = join(mod, 'deploy/crds');
    const crdFiles = (await readdir(crdDir)).filter((f) => f.startsWith('crd-') && f.endsWith('.yaml')).sort();
    const parts = ['{{- if .Values.installCRDs }}'];
    for (const f of crdFiles) parts.push('---', (await readFile(join(crdDir, f), 'utf8')).trimEnd());
    parts.push('{{- end }}', '');
    await writeFile(join(tmp, 'templates/crds.yaml'), parts.join('\n'));
  }
  await rm(join(tmp, 'README.template.md'), { force: true });
  await rm(out, { recursive: true, force: true });
  await runCommand(['mv', tmp, out]);
  return out;
}

export interface CertManagerInstall {
  helm: string;
  timeoutMs: number;
  /** Default the locally built v1.11.5. */
  version?: string;
  /** The lab's CoreDNS on the lab network, for cert-manager's ACME checks (acmeSpeedArgs). */
  labDns?: string;
  /** Chart directory or reference (e.g. oci://quay.io/jetstack/charts/cert-manager); default: the chart
   *  assembled from the cert-manager module of `version` (Go module proxy), so only images need pulling. */
  chart?: string;
}

/** helm upgrade --install, then waits until cert-manager serves (Deployments available, webhook CA bundle injected). */
export async function installCertManager(ctx: LabContext, kubeCluster: KubeCluster, o: CertManagerInstall): Promise<void> {
  const { layout } = kubeCluster;
  const version = o.version ?? CERT_MANAGER_VERSION;
  const chart = o.chart ?? (await certManagerChart(version));
  await mkdir(layout.stateDir, { recursive: true });
  await writeFile(layout.certManagerValuesFile, JSON.stringify(certManagerValues(version, o.labDns), null, 2));
  const versionArgs = o.chart && !o.chart.startsWith('/') ? ['--version', version] : [];
  await runCommand(
    [o.helm, 'upgrade', '--install', 'cert-manager', chart, ...versionArgs, '--namespace', layout.namespaces.certManager, '--create-namespace', '--kubeconfig', kubeCluster.kubeconfigFile, '--values', layout.certManagerValuesFile],
    { signal: ctx.signal, what: 'helm upgrade --install cert-manager' },
  );
  await waitCertManagerReady(kubeCluster, o.timeoutMs);
}

/** Deployments available and the webhook's CA bundle injected (so the API accepts cert-manager objects). */
export async function waitCertManagerReady(kubeCluster: KubeCluster, timeoutMs: number): Promise<void> {
  await Promise.all([
    kubeCluster.waitUntil({
      path: `/apis/apps/v1/namespaces/${kubeCluster.layout.namespaces.certManager}/deployments`, names: CERT_MANAGER_DEPLOYMENTS,
      ready: deploymentAvailable, explain: explainDeployment, what: 'the cert-manager Deployments available', timeoutMs,
    }),
    kubeCluster.waitUntil({
      path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', names: ['cert-manager-webhook'],
      ready: (w) => w.webhooks?.every((h: { clientConfig?: { caBundle?: string } }) => !!h.clientConfig?.caBundle) ?? false,
      explain: () => 'CA bundle not injected yet', what: 'the cert-manager webhook\'s CA bundle', timeoutMs,
    }),
  ]);
}
