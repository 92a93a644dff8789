// What the Kubernetes side needs besides images: the host tools (kind, helm), built by
// scripts/images/k8s-tool.sh, and files read from Go module downloads through the module proxy (no
// registry, no GitHub).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import { runCommand } from '../host/command.ts';
import { KUBERNETES_ARTIFACTS, KUBERNETES_TOOLS, type ArtifactSpec, type ToolSpec } from '../images/kubernetes.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CACHE_DIR = process.env.CERTLAB_CACHE_DIR ?? join(homedir(), '.cache/certlab');
/** Where prepared artifacts (cert-manager's assembled chart) are cached. */
export const ARTIFACT_DIR = join(CACHE_DIR, 'artifacts');

export interface KubernetesTools { kind: string; helm: string }

function toolPath(tool: ToolSpec): string {
  return join(process.env.CERTLAB_TOOLS_DIR ?? join(CACHE_DIR, 'bin'), `${tool.key}-${tool.version}`, tool.key);
}

/** Paths of the kind and helm binaries, building them from the Go module proxy when missing. */
export async function ensureKubernetesTools(progress: (line: string) => void = () => undefined, signal?: AbortSignal): Promise<KubernetesTools> {
  const out: Partial<KubernetesTools> = {};
  for (const tool of KUBERNETES_TOOLS) {
    const bin = toolPath(tool);
    if (!existsSync(bin)) {
      progress(`building ${tool.key} ${tool.version} from ${tool.pkg} (Go module proxy)`);
      await runCommand(['bash', join(REPO_ROOT, 'scripts/images/k8s-tool.sh')], { env: { TOOL: tool.key, VERSION: tool.version }, signal, tailLines: 3, what: `building ${tool.key} ${tool.version}` });
      if (!existsSync(bin)) throw new Error(`building ${tool.key} ${tool.version} made no ${bin}`);
    }
    out[tool.key] = bin;
  }
  return out as KubernetesTools;
}

/** A host tool's path if it is already built (never builds), for status and cleanup. */
export function existingTool(key: ToolSpec['key']): string | undefined {
  const tool = KUBERNETES_TOOLS.find((t) => t.key === key);
  const bin = tool && toolPath(tool);
  return bin && existsSync(bin) ? bin : undefined;
}

/** Directory of a module version in the Go module cache (downloads it through the proxy when needed). */
export async function goModuleDir(module: string, version: string): Promise<string> {
  // Not runCommand: a failure is told in the JSON on stdout.
  const r = await $({ quiet: true, nothrow: true, env: { ...process.env, GOFLAGS: '-mod=mod' } })`go mod download -json ${`${module}@${version}`}`;
  let info: { Dir?: string; Error?: string } = {};
  try { info = JSON.parse(r.stdout); } catch { /* handled below */ }
  if (!info.Dir) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? r.stderr.trim()}`);
  return info.Dir;
}

export function artifactSpec(key: ArtifactSpec['key']): ArtifactSpec {
  const a = KUBERNETES_ARTIFACTS.find((x) => x.key === key);
  if (!a) throw new Error(`no artifact ${key}`);
  return a;
}

/** A file or directory of an artifact (at `version`, default the catalog's) inside its module's download. */
export async function artifactPath(key: ArtifactSpec['key'], version?: string): Promise<string> {
  const a = artifactSpec(key);
  return join(await goModuleDir(a.module, version ?? a.version), a.path);
}
