// Non-image artifacts, taken from Go module downloads through the module proxy (no registry, no GitHub):
// the Gateway API CRDs, cert-manager's Helm chart (assembled the way its release tooling does), and
// Traefik's Gateway API RBAC. Also the host tools (kind, helm), built by scripts/images/k8s-tool.sh.
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import { KUBERNETES_ARTIFACTS, KUBERNETES_TOOLS, type ArtifactSpec } from '../images/kubernetes.ts';
import { parseYamlDocuments, type KubeObject } from './kube.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CACHE_DIR = process.env.CERTLAB_CACHE_DIR ?? join(homedir(), '.cache/certlab');
const ARTIFACT_DIR = join(CACHE_DIR, 'artifacts');

export interface KubernetesTools { kind: string; helm: string }

/** Paths of the kind and helm binaries, building them from the Go module proxy when missing. */
export async function ensureKubernetesTools(log: (line: string) => void = () => {}): Promise<KubernetesTools> {
  const out: Partial<KubernetesTools> = {};
  for (const tool of KUBERNETES_TOOLS) {
    const dir = join(process.env.CERTLAB_TOOLS_DIR ?? join(CACHE_DIR, 'bin'), `${tool.key}-${tool.version}`);
    const bin = join(dir, tool.key);
    if (!existsSync(bin)) {
      log(`building ${tool.key} ${tool.version} from ${tool.pkg} (Go module proxy)`);
      const t0 = Date.now();
      const r = await $({ quiet: true, nothrow: true, env: { ...process.env, TOOL: tool.key, VERSION: tool.version } })`bash ${join(REPO_ROOT, 'scripts/images/k8s-tool.sh')}`;
      if (r.exitCode !== 0 || !existsSync(bin)) throw new Error(`building ${tool.key} ${tool.version} failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      log(`built ${tool.key} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    }
    out[tool.key] = bin;
  }
  return out as KubernetesTools;
}

/** Directory of a module version in the Go module cache (downloads it through the proxy when needed). */
export async function goModuleDir(module: string, version: string): Promise<string> {
  const r = await $({ quiet: true, nothrow: true, env: { ...process.env, GOFLAGS: '-mod=mod' } })`go mod download -json ${`${module}@${version}`}`;
  let info: { Dir?: string; Error?: string } = {};
  try { info = JSON.parse(r.stdout); } catch { /* handled below */ }
  if (!info.Dir) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? r.stderr.trim()}`);
  return info.Dir;
}

function artifact(key: ArtifactSpec['key']): ArtifactSpec {
  const a = KUBERNETES_ARTIFACTS.find((x) => x.key === key);
  if (!a) throw new Error(`no artifact ${key}`);
  return a;
}

/** The Gateway API standard-channel CRDs (sigs.k8s.io/gateway-api config/crd/standard). */
export async function gatewayApiCrds(): Promise<KubeObject[]> {
  const a = artifact('gateway-api-crds');
  const dir = join(await goModuleDir(a.module, a.version), a.path);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const objs: KubeObject[] = [];
  for (const f of files) objs.push(...parseYamlDocuments(await readFile(join(dir, f), 'utf8')));
  return objs.filter((o) => o.kind === 'CustomResourceDefinition');
}

/**
 * cert-manager's chart for `version` as its release tooling assembles it from deploy/charts/cert-manager:
 * up to v1.11 Chart.yaml comes from Chart.template.yaml and templates/crds.yaml from deploy/crds/*.yaml
 * inside `{{- if .Values.installCRDs }}`; later charts carry Chart.yaml and the CRD templates themselves,
 * so only version/appVersion are set. Cached under ~/.cache/certlab/artifacts.
 */
export async function certManagerChart(version = artifact('cert-manager-chart').version): Promise<string> {
  const a = artifact('cert-manager-chart');
  const out = join(ARTIFACT_DIR, `cert-manager-chart-${version}`);
  if (existsSync(join(out, 'Chart.yaml'))) return out;
  const mod = await goModuleDir(a.module, version);
  const tmp = `${out}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(ARTIFACT_DIR, { recursive: true });
  await cp(join(mod, a.path), tmp, { recursive: true });
  await $`chmod -R u+w ${tmp}`;
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
  await $`mv ${tmp} ${out}`;
  return out;
}

/** Traefik's ClusterRole for the Gateway API provider, from the Traefik module's reference docs. */
export async function traefikGatewayRbac(): Promise<KubeObject[]> {
  const a = artifact('traefik-rbac');
  const file = join(await goModuleDir(a.module, a.version), a.path);
  return parseYamlDocuments(await readFile(file, 'utf8'));
}
