// The user's own Kubernetes cluster (kubeCluster in the configuration): what is checked at load, the
// lab's CoreDNS blocks put in and taken out again leaving the user's Corefile as it was, image names as
// containerd lists them, and scenarios that restart nodes refused on such a lab.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lab/config/load.ts';
import { withLabZones, withoutLabZones } from '../../lab/kube/coredns-forward.ts';
import { kubeClusterLayout } from '../../lab/kube/layout.ts';
import { containerdImageName } from '../../lab/kube/user-cluster.ts';
import { labPaths } from '../../lab/paths.ts';
import { refuseUnrunnable, whyNotRunnable } from '../../lab/runner/run.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { lineOf } from '../helpers/lab-error.ts';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:6443' } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: kind-user, context: { cluster: c, user: u } }, { name: other, context: { cluster: c, user: u } }]
current-context: kind-user
`;

function kubeconfigFile(text = KUBECONFIG): string {
  const dir = mkdtempSync(join(tmpdir(), 'certlab-kubeconfig-'));
  writeFileSync(join(dir, 'config'), text);
  return join(dir, 'config');
}

function refusal(raw: Record<string, unknown>): string {
  return lineOf(() => parseConfig(raw, 'certlab.config.json'));
}

describe('kubeCluster in the configuration', () => {
  it('takes an existing kubeconfig with its current context, or a named one of its contexts', () => {
    const file = kubeconfigFile();
    expect(parseConfig({ kubeCluster: { kubeconfig: file } }, 'test').kubeCluster).toEqual({ kubeconfig: file, context: 'kind-user' });
    const c = parseConfig({ kubeCluster: { kubeconfig: file, context: 'other' } }, 'test');
    expect(c.kubeCluster?.context).toBe('other');
    const layout = kubeClusterLayout(c, labPaths(c));
    expect(layout).toMatchObject({ madeBy: 'user', name: 'other', kubeconfigFile: file, userCluster: { kubeconfig: file, context: 'other' } });
    expect(kubeClusterLayout(parseConfig({}, 'test'), labPaths(parseConfig({}, 'test'))).madeBy).toBe('lab');
  });

  it.each([
    [{ kubeCluster: { kubeconfig: '/nonexistent/kubeconfig' } }, /^invalid configuration: kubeCluster\.kubeconfig \/nonexistent\/kubeconfig does not exist \(in certlab\.config\.json\); point kubeCluster\.kubeconfig/],
    [{ kubeCluster: { kubeconfig: kubeconfigFile('{ not: [yaml') } }, /^invalid configuration: kubeCluster\.kubeconfig .* is not a kubeconfig/],
    [{ kubeCluster: { kubeconfig: kubeconfigFile(), context: 'nope' } }, /^invalid configuration: kubeCluster\.context nope is not in .*; set kubeCluster\.context to one of: kind-user, other$/],
    [{ kubeCluster: { kubeconfig: kubeconfigFile(), cluster: 'x' } }, /^invalid configuration: unknown key kubeCluster\.cluster/],
    [{ cluster: { kubeconfig: '/x' } }, /^invalid configuration: unknown key cluster /],
  ])('refuses %j in one line', (raw, pattern) => {
    const line = refusal(raw);
    expect(line).toMatch(pattern);
    expect(line).not.toContain('\n');
  });
});

describe("the lab's zones in a cluster's CoreDNS", () => {
  const corefile = '.:53 {\n    errors\n    kubernetes cluster.local\n    forward . /etc/resolv.conf\n    cache 30\n}\n';

  it('adds one block per zone between markers naming the lab, and takes exactly them out again', () => {
    const added = withLabZones(corefile, 'xkube', ['lab.test', 'certlab.example'], '172.29.145.3');
    expect(added.startsWith(corefile.trimEnd())).toBe(true);
    expect(added).toContain('# certlab.lab=xkube zones begin\nlab.test:53 {\n    errors\n    forward . 172.29.145.3\n}\ncertlab.example:53 {');
    expect(withLabZones(added, 'xkube', ['lab.test', 'certlab.example'], '172.29.145.3')).toBe(added);
    // Another lab's blocks stay when this one's go.
    const both = withLabZones(added, 'other', ['corp.internal'], '172.29.1.3');
    expect(withoutLabZones(both, 'xkube')).toBe(withLabZones(corefile, 'other', ['corp.internal'], '172.29.1.3'));
    expect(withoutLabZones(added, 'xkube')).toBe(corefile);
  });
});

describe('image names as containerd lists them', () => {
  it.each([
    ['traefik:v3.5.3', 'docker.io/library/traefik:v3.5.3'],
    ['kindest/node:v1.34.4', 'docker.io/kindest/node:v1.34.4'],
    ['quay.io/jetstack/cert-manager-controller:v1.11.5', 'quay.io/jetstack/cert-manager-controller:v1.11.5'],
    ['registry.k8s.io/e2e-test-images/agnhost:2.56', 'registry.k8s.io/e2e-test-images/agnhost:2.56'],
  ])('%s is %s', (ref, name) => expect(containerdImageName(ref)).toBe(name));
});

describe('scenarios on a cluster the lab did not make', () => {
  it('refuses the one that restarts nodes, in one line, as bad input; every other runs', () => {
    const user = parseConfig({ kubeCluster: { kubeconfig: kubeconfigFile() } }, 'test');
    expect(SCENARIOS.filter((s) => whyNotRunnable(s, user)).map((s) => s.name)).toEqual(['platform-restart']);
    const restart = SCENARIOS.find((s) => s.name === 'platform-restart')!;
    expect(lineOf(() => refuseUnrunnable([restart], user))).toBe('platform-restart restarts the Kubernetes node and the Gateway controller; it runs only on a Kubernetes cluster the lab made (kubeCluster.kubeconfig is set); leave it out (`certlab run all` skips it and says why)');
    expect(SCENARIOS.filter((s) => whyNotRunnable(s, parseConfig({}, 'test')))).toEqual([]);
  });
});
