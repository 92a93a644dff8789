// The lab in the user's own Kubernetes cluster (issue 11 item 3). The "user's cluster" is a second kind
// cluster made here with the kind binary directly, outside certlab, on a Docker network of its own; the
// test puts a namespace with a ConfigMap in it first. Then a lab with kubeCluster.kubeconfig comes up
// (every component, no kind cluster of its own): issuers Ready, its node on the lab network, everything it
// made labelled; certificate-issuance and certificate-revocation (quick) pass there; platform-restart
// refuses in one line with exit 2; `certlab down` removes what the lab made and only that: namespaces,
// cluster-scoped objects, CRDs, the CoreDNS blocks, the images and the network attachment are back to what
// the user had, the user's namespace and ConfigMap are still there, and the cluster still works.
// Then again with cert-manager and the Gateway API CRDs installed by the user beforehand: the lab reuses
// them as they are (the controller Deployment's UID and args unchanged after up and after down), issues
// through them, and leaves them, and nothing of its own, behind.
// Skips (printing SKIPPED) when an image or the means to build kind is missing; never passes without running.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabContext } from '../../lab/context.ts';
import { resolveComponents } from '../../lab/components.ts';
import { parseConfig } from '../../lab/config/load.ts';
import { runCommand } from '../../lab/host/command.ts';
import { docker, LAB_LABEL, removeLabResources } from '../../lab/host/docker.ts';
import { execCapture } from '../../lab/host/exec.ts';
import { configuredImage } from '../../lab/images/catalog.ts';
import { certManagerChart, waitCertManagerReady } from '../../lab/kube/addons/cert-manager.ts';
import { applyObjects, condition, deploymentAvailable, getPath, kubeConfigFromString, type KubeObject } from '../../lab/kube/api.ts';
import { ensureKubernetesTools } from '../../lab/kube/artifacts.ts';
import { kubeClusterHandle, type KubeCluster } from '../../lab/kube/connect.ts';
import { gatewayApiCrds } from '../../lab/kube/gateway-api.ts';
import { kubeWorkloadImages } from '../../lab/kube/kind.ts';
import { kubeClusterStatus, openKubeCluster, readUserRecord, removeFromUserKubeCluster, renderKindConfig } from '../../lab/kube/index.ts';
import { kubeClusterLayout } from '../../lab/kube/layout.ts';
import { setUpNodeNetwork } from '../../lab/kube/node-network.ts';
import { bringUp } from '../../lab/lifecycle/up.ts';
import { platformLayout, waitIssuersReady } from '../../lab/platform/index.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { certlabAsync, expectOneClearLine } from '../helpers/cli.ts';
import { announceSkip, platformSkipReason, runQuickScenario, scenarioFailures, testContext } from './support.ts';

const LAB = 'xkube';
const SUBNET = '172.29.145.0/24';
/** The user's cluster: its kind name, and a Docker network of its own. */
const USER_CLUSTER = 'xkube-user';
const USER_SUBNET = '172.29.146.0/24';
const CONFIG = { vault: { nodes: 3 } };
const WAIT_MS = 180_000;

const reason = platformSkipReason(CONFIG);
announceSkip('the lab in the user\'s own Kubernetes cluster', reason);

/** What the user's cluster holds that the lab could touch: compared before `up` and after `down`. */
interface ClusterFacts {
  namespaces: string[]; crds: string[]; clusterRoles: string[]; clusterRoleBindings: string[];
  webhooks: string[]; kubeSystemRoles: string[]; secrets: string[]; corefile: string; nodeNetworks: string[]; nodeImages: string[];
}

const names = (items: KubeObject[]) => items.map((o) => o.metadata!.name!).sort();

async function clusterFacts(kubeconfig: ReturnType<typeof kubeConfigFromString>): Promise<ClusterFacts> {
  const list = async (path: string) => names((await getPath<{ items: KubeObject[] }>(kubeconfig, path)).items);
  const node = await (await docker()).getContainer(`${USER_CLUSTER}-control-plane`).inspect();
  const images = await execCapture(node.Id, ['ctr', '-n', 'k8s.io', 'images', 'ls', '-q']);
  return {
    namespaces: await list('/api/v1/namespaces'),
    crds: await list('/apis/apiextensions.k8s.io/v1/customresourcedefinitions'),
    clusterRoles: await list('/apis/rbac.authorization.k8s.io/v1/clusterroles'),
    clusterRoleBindings: await list('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings'),
    webhooks: [...await list('/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations'), ...await list('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations')],
    kubeSystemRoles: await list('/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles'),
    secrets: (await getPath<{ items: KubeObject[] }>(kubeconfig, '/api/v1/secrets')).items.map((o) => `${o.metadata!.namespace}/${o.metadata!.name}`).sort(),
    corefile: (await getPath<KubeObject>(kubeconfig, '/api/v1/namespaces/kube-system/configmaps/coredns')).data?.Corefile,
    nodeNetworks: Object.keys(node.NetworkSettings.Networks).sort(),
    nodeImages: images.stdout.split('\n').filter(Boolean).sort(),
  };
}

/** Removes what an interrupted run left: the user's kind cluster and its network, the lab's containers. */
async function removeLeftovers(kind: string): Promise<void> {
  await runCommand([kind, 'delete', 'cluster', '--name', USER_CLUSTER, '--kubeconfig', '/dev/null']).catch(() => undefined);
  await removeLabResources(LAB);
  await (await docker()).getNetwork(USER_CLUSTER).remove().catch(() => undefined);
}

/** cert-manager (with Gateway API support) and the Gateway API CRDs installed by the user, as a user does: helm, kind load. */
async function installUsersCertManager(kind: string, kubeconfigFile: string, kubeconfig: ReturnType<typeof kubeConfigFromString>, handle: KubeCluster): Promise<void> {
  await applyObjects(kubeconfig, await gatewayApiCrds());
  const version = parseConfig(CONFIG, 'test').versions.certManager;
  const refs = kubeWorkloadImages(parseConfig(CONFIG, 'test'), version).filter((r) => r.includes('/cert-manager-'));
  await runCommand([kind, 'load', 'docker-image', ...refs, '--name', USER_CLUSTER], { tailLines: 4 });
  const { helm } = await ensureKubernetesTools();
  await runCommand([helm, 'install', 'cert-manager', await certManagerChart(version), '--namespace', 'cert-manager', '--create-namespace', '--kubeconfig', kubeconfigFile,
    '--set', 'installCRDs=true', '--set', 'startupapicheck.enabled=false', '--set', 'extraArgs={--feature-gates=ExperimentalGatewayAPISupport=true}'], { tailLines: 4 });
  await waitCertManagerReady(handle, WAIT_MS);
}

/** The user's cert-manager controller as the lab must leave it: same object, same arguments. */
async function usersController(kubeconfig: ReturnType<typeof kubeConfigFromString>): Promise<{ uid: string; args: string[] }> {
  const d = await getPath<KubeObject>(kubeconfig, '/apis/apps/v1/namespaces/cert-manager/deployments/cert-manager');
  return { uid: d.metadata!.uid!, args: d.spec.template.spec.containers[0].args };
}

for (const usersCertManager of [false, true]) describe.skipIf(reason)(`the lab in the user's own Kubernetes cluster${usersCertManager ? ', with the user\'s cert-manager reused' : ''}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'xkube-'));
  const kubeconfigFile = join(dir, 'user-kubeconfig');
  let kind: string;
  let ctx: LabContext;
  let userKubeconfig: ReturnType<typeof kubeConfigFromString>;
  let before: ClusterFacts;
  let cliDir: string;
  let controller: { uid: string; args: string[] } | undefined;

  beforeAll(async () => {
    kind = (await ensureKubernetesTools()).kind;
    await removeLeftovers(kind);
    // The user's cluster, made as a user makes a kind cluster: the kind binary, on a network of its own.
    await (await docker()).createNetwork({ Name: USER_CLUSTER, Driver: 'bridge', IPAM: { Driver: 'default', Config: [{ Subnet: USER_SUBNET }] } });
    // The lab's own kind configuration (the reference CNI plugins instead of kindnetd, which cannot be had here).
    writeFileSync(join(dir, 'kind-config.yaml'), (await renderKindConfig()).text);
    await runCommand([kind, 'create', 'cluster', '--name', USER_CLUSTER, '--config', join(dir, 'kind-config.yaml'), '--image', configuredImage(parseConfig(CONFIG, 'test'), 'kind-node').ref, '--kubeconfig', kubeconfigFile, '--wait', '0s'],
      { env: { KIND_EXPERIMENTAL_DOCKER_NETWORK: USER_CLUSTER }, tailLines: 8, what: `kind create cluster --name ${USER_CLUSTER}` });
    // The lab's configuration names the kubeconfig, which must exist by now.
    ctx = testContext(LAB, SUBNET, { ...CONFIG, kubeCluster: { kubeconfig: kubeconfigFile } });
    ctx.progress = (l) => process.stdout.write(`  [xkube] ${l}\n`);
    const text = readFileSync(kubeconfigFile, 'utf8');
    userKubeconfig = kubeConfigFromString(text);
    // Its nodes Ready the way the lab makes its own kind's (setUpNodeNetwork), through a handle on that cluster.
    const own = { ...kubeClusterLayout(ctx.config, ctx.paths), name: USER_CLUSTER, network: USER_CLUSTER, madeBy: 'lab' as const };
    await setUpNodeNetwork(kubeClusterHandle(ctx, own, userKubeconfig, ''), WAIT_MS);
    // What the user had before the lab came: a namespace with a ConfigMap.
    await applyObjects(userKubeconfig, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'user-app' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep-me', namespace: 'user-app' }, data: { owner: 'the user' } },
    ]);
    await kubeClusterHandle(ctx, own, userKubeconfig, '').waitUntil({
      path: '/apis/apps/v1/namespaces/kube-system/deployments', names: ['coredns'], ready: deploymentAvailable, what: 'the user cluster\'s CoreDNS', timeoutMs: WAIT_MS,
    });
    if (usersCertManager) {
      await installUsersCertManager(kind, kubeconfigFile, userKubeconfig, kubeClusterHandle(ctx, own, userKubeconfig, ''));
      controller = await usersController(userKubeconfig);
    }
    before = await clusterFacts(userKubeconfig);
    cliDir = mkdtempSync(join(tmpdir(), 'xkube-cli-'));
    writeFileSync(join(cliDir, 'certlab.config.json'), JSON.stringify({
      name: LAB, network: { name: LAB, subnet: SUBNET }, stateDir: ctx.config.stateDir, reportsDir: join(cliDir, 'reports'),
      ports: { vaultBase: 0, pebble: 0, pebbleManagement: 0, dns: 0, vaultLb: 0 }, ...CONFIG, kubeCluster: { kubeconfig: kubeconfigFile },
    }));
    await bringUp(ctx, resolveComponents(['platform']), { imageMode: 'build', renderer: 'silent' });
  });

  afterAll(async () => {
    if (ctx) {
      await ctx.releases.releaseAll();
      if (process.env.CERTLAB_KEEP_CLUSTER === '1') return;
      await removeFromUserKubeCluster(ctx).catch(() => undefined);
      await removeLabResources(LAB);
      rmSync(ctx.config.stateDir, { recursive: true, force: true });
    }
    if (kind) await removeLeftovers(kind);
    rmSync(dir, { recursive: true, force: true });
  });

  it('comes up in the user\'s cluster: no kind cluster of its own, its node on the lab network, the issuers Ready, everything it made labelled', async () => {
    expect(await (await docker()).listContainers({ all: true, filters: { label: [`io.x-k8s.kind.cluster=certlab-${LAB}`] } })).toEqual([]);
    const kubeCluster = await openKubeCluster(ctx);
    expect(kubeCluster.layout.madeBy).toBe('user');
    const node = await (await docker()).getContainer(`${USER_CLUSTER}-control-plane`).inspect();
    expect(kubeCluster.nodeAddress).toBe(node.NetworkSettings.Networks[LAB]?.IPAddress);
    await waitIssuersReady(kubeCluster, platformLayout(ctx.config), WAIT_MS);
    const rows = await kubeClusterStatus(ctx);
    expect(rows.filter((r) => r.health !== 'ok')).toEqual([]);
    const record = await readUserRecord(kubeCluster.layout);
    expect(record).toMatchObject({ ready: true, context: `kind-${USER_CLUSTER}`, certManager: { reused: usersCertManager, namespace: 'cert-manager' } });
    expect(record!.made.filter((m) => m.type !== 'object').map((m) => m.type)).toEqual(expect.arrayContaining(['network-attachment', 'image', 'coredns-forward']));
    const made = record!.made.filter((m) => m.type === 'object');
    const own = ['traefik', 'platform', 'external-dns', 'vault-private'];
    const installed = ['cert-manager', 'gateways.gateway.networking.k8s.io', 'certificates.cert-manager.io'];
    expect(made.map((m) => m.name)).toEqual(expect.arrayContaining(usersCertManager ? own : [...own, ...installed]));
    // What the user installed is not the lab's: not in the record, not labelled.
    if (usersCertManager) {
      for (const name of installed) expect(made.filter((m) => m.kind !== 'Secret').map((m) => m.name)).not.toContain(name);
      expect(await usersController(userKubeconfig)).toEqual(controller);
    }
    // Every namespace the lab made carries its label; the user's do not and are not in the record.
    const { items } = await getPath<{ items: KubeObject[] }>(userKubeconfig, '/api/v1/namespaces');
    for (const ns of usersCertManager ? ['traefik', 'platform', 'external-dns'] : ['cert-manager', 'traefik', 'platform', 'external-dns']) expect(items.find((n) => n.metadata?.name === ns)?.metadata?.labels?.[LAB_LABEL]).toBe(LAB);
    expect(made.map((m) => m.name)).not.toContain('user-app');
    const corefile = (await getPath<KubeObject>(userKubeconfig, '/api/v1/namespaces/kube-system/configmaps/coredns')).data?.Corefile;
    expect(corefile).toContain(`# certlab.lab=${LAB} zones begin`);
    expect(corefile.startsWith(before.corefile.trimEnd())).toBe(true);
  });

  for (const name of usersCertManager ? ['certificate-issuance'] : ['certificate-issuance', 'certificate-revocation']) {
    it(`${name} passes there (quick)`, async () => {
      const result = await runQuickScenario(ctx, SCENARIOS.find((s) => s.name === name)!, `it-${LAB}`, 'xkube');
      for (const f of result.figures) process.stdout.write(`  [xkube] ${name}: ${f.name}${f.labels ? ` ${JSON.stringify(f.labels)}` : ''} = ${f.value} ${f.unit}\n`);
      expect(scenarioFailures(result)).toEqual([]);
      expect(result.status).toBe('passed');
    });
  }

  // Once is enough: the refusal depends on the configuration only.
  if (!usersCertManager) it('platform-restart refuses in one line, exit 2, before anything starts', async () => {
    const r = await certlabAsync(cliDir, ['run', 'platform-restart', '--quick']);
    expect(r.status).toBe(2);
    expectOneClearLine(r.stderr, /^certlab: platform-restart restarts the Kubernetes node and the Gateway controller; it runs only on a Kubernetes cluster the lab made \(kubeCluster\.kubeconfig is set\)/);
    expect(r.stdout).toBe('');
  });

  it('down removes what the lab made and only that: the user\'s cluster holds what it had and still works', async () => {
    await ctx.releases.releaseAll();
    const r = await certlabAsync(cliDir, ['down']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`removed from the cluster of kubeCluster\\.kubeconfig what lab xkube made there: \\d+ objects, ${usersCertManager ? 3 : 7} images, 1 network attachments, its CoreDNS zones`));
    expect(await clusterFacts(userKubeconfig)).toEqual(before);
    if (usersCertManager) expect(await usersController(userKubeconfig)).toEqual(controller);
    const keep = await getPath<KubeObject>(userKubeconfig, '/api/v1/namespaces/user-app/configmaps/keep-me');
    expect(keep.data).toEqual({ owner: 'the user' });
    expect(await readUserRecord(kubeClusterLayout(ctx.config, ctx.paths))).toBeUndefined();
    // Still working: the API, its node Ready, its CoreDNS available (rolled back to the user's Corefile).
    expect(await getPath(userKubeconfig, '/readyz')).toBe('ok');
    const nodes = await getPath<{ items: KubeObject[] }>(userKubeconfig, '/api/v1/nodes');
    expect(nodes.items.every((n) => condition(n, 'Ready')?.status === 'True')).toBe(true);
    const coredns = await getPath<KubeObject>(userKubeconfig, '/apis/apps/v1/namespaces/kube-system/deployments/coredns');
    expect(deploymentAvailable(coredns)).toBe(true);
    expect(coredns.spec?.template?.metadata?.annotations?.['certlab.io/corefile']).toBeUndefined();
    // The lab's network went with the rest.
    expect((await (await docker()).listNetworks({ filters: { name: [LAB] } })).map((n) => n.Name)).not.toContain(LAB);
  });
});
