// cert-manager with Gateway API support, installed with helm. The locally built v1.11.5 enables it with the
// ExperimentalGatewayAPISupport feature gate; v1.15+ (for users who pull the current release from a
// registry) with `config.enableGatewayAPI`; v1.12–v1.14 still take the feature gate.
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabContext } from '../../context.ts';
import { runCommand } from '../../host/command.ts';
import { LAB_LABEL } from '../../host/docker.ts';
import { CERT_MANAGER_VERSION } from '../../images/kubernetes.ts';
import { LabError } from '../../errors.ts';
import { deploymentAvailable, explainDeployment, parseYamlDocuments, type KubeObject } from '../api.ts';
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
  return takesWorkersFlag(version) ? LAB_CONCURRENT_WORKERS : 5;
}
const LAB_CONCURRENT_WORKERS = 50;
const takesWorkersFlag = (version: string) => minor(version) >= 15;

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
    ...(takesWorkersFlag(version) ? [`--concurrent-workers=${LAB_CONCURRENT_WORKERS}`] : []),
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
  /** The cluster's Kubernetes version, for `helm template` on a user's cluster. */
  kubeVersion?: string;
  /** Chart directory or reference (e.g. oci://quay.io/jetstack/charts/cert-manager); default: the chart
   *  assembled from the cert-manager module of `version` (Go module proxy), so only images need pulling. */
  chart?: string;
}

/** The chart (assembled or given) and its values file for `version`: what both ways of installing take. */
async function chartAndValues(kubeCluster: KubeCluster, o: CertManagerInstall): Promise<{ chart: string; args: string[] }> {
  const { layout } = kubeCluster;
  const version = o.version ?? CERT_MANAGER_VERSION;
  const chart = o.chart ?? (await certManagerChart(version));
  await mkdir(layout.stateDir, { recursive: true });
  const values = certManagerValues(version, o.labDns);
  // In a user's cluster the leader-election leases go into the lab's namespace rather than kube-system, so
  // nothing cert-manager makes at run time stays behind when `down` removes that namespace.
  if (layout.madeBy === 'user') values.global = { leaderElection: { namespace: layout.namespaces.certManager } };
  await writeFile(layout.certManagerValuesFile, JSON.stringify(values, null, 2));
  const versionArgs = o.chart && !o.chart.startsWith('/') ? ['--version', version] : [];
  return { chart, args: [...versionArgs, '--namespace', layout.namespaces.certManager, '--values', layout.certManagerValuesFile] };
}

/**
 * Installs cert-manager, then waits until it serves (Deployments available, webhook CA bundle injected).
 * In the lab's own kind cluster: helm upgrade --install. In a user's cluster: the chart rendered with
 * `helm template` and applied by the lab (its namespace first, then the CRDs), so every object carries the
 * lab's label and is recorded before it is made, and `down` removes exactly those.
 */
export async function installCertManager(ctx: LabContext, kubeCluster: KubeCluster, o: CertManagerInstall): Promise<void> {
  const { chart, args } = await chartAndValues(kubeCluster, o);
  if (kubeCluster.layout.madeBy === 'user') {
    const rendered = parseYamlDocuments(await runCommand([o.helm, 'template', 'cert-manager', chart, ...args, ...(o.kubeVersion ? ['--kube-version', o.kubeVersion] : [])], { signal: ctx.signal, what: 'helm template cert-manager' }));
    const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: kubeCluster.layout.namespaces.certManager } };
    const crds = rendered.filter((r) => r.kind === 'CustomResourceDefinition');
    await kubeCluster.apply([namespace, ...crds, ...rendered.filter((r) => !crds.includes(r))]);
  } else {
    await runCommand([o.helm, 'upgrade', '--install', 'cert-manager', chart, ...args, '--create-namespace', '--kubeconfig', kubeCluster.kubeconfigFile], { signal: ctx.signal, what: 'helm upgrade --install cert-manager' });
  }
  await waitCertManagerReady(kubeCluster, o.timeoutMs);
}

/** The oldest cert-manager the lab works with: v1.11, the one that builds here, the first with Gateway API support the lab uses. */
export const MIN_CERT_MANAGER_MINOR = 11;

/** A cert-manager found running in a user's cluster. */
export interface InstalledCertManager { namespace: string; version: string; deployment: string; uid: string; clusterResourceNamespace: string; gatewayApi: boolean }

const CONTROLLER_SELECTOR = encodeURIComponent('app.kubernetes.io/name=cert-manager,app.kubernetes.io/component=controller');

/** The cert-manager controller Deployment a user installed (any namespace), if any; one the lab installed is not counted. */
export async function findInstalledCertManager(kubeCluster: KubeCluster, lab: string): Promise<InstalledCertManager | undefined> {
  const { items } = await kubeCluster.get<{ items: KubeObject[] }>(`/apis/apps/v1/deployments?labelSelector=${CONTROLLER_SELECTOR}`);
  const d = items.find((x) => x.metadata?.labels?.[LAB_LABEL] !== lab);
  if (!d) return undefined;
  const namespace = d.metadata!.namespace!;
  const container = (d.spec?.template?.spec?.containers ?? [])[0] ?? {};
  const args: string[] = container.args ?? [];
  const version = d.metadata?.labels?.['app.kubernetes.io/version'] ?? String(container.image ?? '').split(':').pop() ?? '';
  const arg = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const resourceNamespace = arg('cluster-resource-namespace');
  // From v1.15 Gateway API support may be switched on in the controller's configuration file (a ConfigMap).
  let configured = false;
  for (const v of d.spec?.template?.spec?.volumes ?? []) {
    if (!v.configMap?.name) continue;
    const cm = await kubeCluster.get<KubeObject>(`/api/v1/namespaces/${namespace}/configmaps/${v.configMap.name}`).catch(() => undefined);
    if (Object.values(cm?.data ?? {}).some((text) => /enableGatewayAPI:\s*true/.test(String(text)))) configured = true;
  }
  return {
    namespace, version, deployment: d.metadata!.name!, uid: d.metadata!.uid!,
    // The chart passes $(POD_NAMESPACE): its own namespace.
    clusterResourceNamespace: resourceNamespace && !resourceNamespace.includes('$(') ? resourceNamespace : namespace,
    gatewayApi: configured || args.some((a) => /ExperimentalGatewayAPISupport=true/.test(a) || a === '--enable-gateway-api' || a === '--enable-gateway-api=true'),
  };
}

/**
 * A user's cert-manager the lab can reuse as it is (never replaced or reconfigured): a supported version
 * with Gateway API support on (the platform's HTTP-01 solver and Gateway annotations need it). Anything
 * else is one line saying what the user must change.
 */
export function assertReusable(found: InstalledCertManager): void {
  const where = `cert-manager ${found.version} in namespace ${found.namespace} of the cluster of kubeCluster.kubeconfig`;
  let m: number;
  try {
    m = minor(found.version);
  } catch {
    throw new LabError(`${where}: cannot read its version`, 'label its controller Deployment app.kubernetes.io/version, or remove it to let the lab install its own');
  }
  if (m < MIN_CERT_MANAGER_MINOR) throw new LabError(`${where} is older than v1.${MIN_CERT_MANAGER_MINOR}, which the lab needs`, 'upgrade it; the lab never replaces a cert-manager it did not install');
  if (!found.gatewayApi) {
    throw new LabError(`${where} runs without Gateway API support, which the platform's Gateways and HTTP-01 issuer need`,
      m >= 15 ? 'set config.enableGatewayAPI: true in its Helm values; the lab never reconfigures a cert-manager it did not install' : 'start its controller with --feature-gates=ExperimentalGatewayAPISupport=true; the lab never reconfigures a cert-manager it did not install');
  }
}

/**
 * Deployments available, the webhook's CA bundle injected, and then the API admitting a cert-manager object
 * through the webhook (a dry run): a webhook Deployment counted available can still be unreachable through
 * its Service for a moment (seen: the first ClusterIssuer refused with `connection refused`).
 */
export async function waitCertManagerReady(kubeCluster: KubeCluster, timeoutMs: number): Promise<void> {
  const namespace = kubeCluster.layout.namespaces.certManager;
  const probe: KubeObject = { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: 'certlab-webhook-probe', namespace }, spec: { selfSigned: {} } };
  await Promise.all([
    kubeCluster.waitUntil({
      path: `/apis/apps/v1/namespaces/${namespace}/deployments`, names: CERT_MANAGER_DEPLOYMENTS,
      ready: deploymentAvailable, explain: explainDeployment, what: 'the cert-manager Deployments available', timeoutMs,
    }),
    kubeCluster.waitUntil({
      path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', names: ['cert-manager-webhook'],
      ready: (w) => w.webhooks?.every((h: { clientConfig?: { caBundle?: string } }) => !!h.clientConfig?.caBundle) ?? false,
      explain: () => 'CA bundle not injected yet', what: 'the cert-manager webhook\'s CA bundle', timeoutMs,
    }),
  ]);
  await kubeCluster.waitAccepted(probe, 'the cert-manager webhook admitting an Issuer (dry run)', timeoutMs);
}
