import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { checkKubeClusterSetting } from './kube-cluster.ts';
import { LabConfigSchema, type LabConfig } from './schema.ts';

export const DEFAULT_CONFIG_FILE = 'certlab.config.json';

/** Environment variables that override single keys, for CI and one-off runs. */
const ENV_OVERRIDES: Record<string, { path: string[]; parse: (v: string) => unknown }> = {
  CERTLAB_NAME: { path: ['name'], parse: String },
  CERTLAB_STATE_DIR: { path: ['stateDir'], parse: String },
  CERTLAB_REPORTS_DIR: { path: ['reportsDir'], parse: String },
  CERTLAB_VAULT_FLAVOR: { path: ['vault', 'flavor'], parse: String },
  CERTLAB_VAULT_BASE_PORT: { path: ['ports', 'vaultBase'], parse: Number },
};

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function describeIssue(issue: z.core.$ZodIssue, source: string): string {
  const key = issue.path.join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') return `unknown key ${issue.keys.map((k) => [...issue.path, k].join('.')).join(', ')} in ${source}`;
  return `${key} ${issue.message.replace(/^Invalid input: /, '')} (in ${source})`;
}

/**
 * Parses raw settings; invalid values become one InputError naming the key. A kubeCluster's kubeconfig
 * (relative to `cwd`) must exist and hold its context.
 */
export function parseConfig(raw: unknown, source: string, cwd = process.cwd()): LabConfig {
  const result = LabConfigSchema.safeParse(raw);
  if (!result.success) {
    const first = result.error.issues[0]!;
    throw new InputError(`invalid configuration: ${describeIssue(first, source)}`, `fix that value (see README, "Configuration")`);
  }
  const config = result.data;
  if (config.kubeCluster) return { ...config, kubeCluster: checkKubeClusterSetting(config.kubeCluster, source, cwd) };
  return config;
}

/** Reads certlab.config.json (or --config FILE) and CERTLAB_* overrides, validated by the schema. */
export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): LabConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const file = resolve(cwd, opts.file ?? env.CERTLAB_CONFIG ?? DEFAULT_CONFIG_FILE);
  let raw: Record<string, unknown> = {};
  const sources: string[] = [];
  if (existsSync(file)) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new InputError(`cannot read ${file}: ${(err as Error).message}`, 'make it valid JSON or remove it to use the defaults');
    }
    sources.push(file);
  } else if (opts.file) {
    throw new InputError(`configuration file ${file} does not exist`, 'pass an existing file to --config');
  }
  for (const [name, { path, parse }] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    setPath(raw, path, parse(value));
    sources.push(name);
  }
  const config = parseConfig(raw, sources.join(' + ') || 'defaults', cwd);
  return { ...config, vault: userVaultFiles(config.vault, cwd), stateDir: resolve(cwd, config.stateDir), reportsDir: resolve(cwd, config.reportsDir) };
}

/**
 * The files of vault.address's credentials and CA, resolved against the working directory and checked
 * now, one line per problem: each exists, and a credential is not readable by every user of the machine.
 */
export function userVaultFiles(vault: LabConfig['vault'], cwd: string): LabConfig['vault'] {
  const check = (key: string, file: string | undefined, secret: boolean): string | undefined => {
    if (file === undefined) return undefined;
    const path = resolve(cwd, file);
    const mode = existsSync(path) ? statSync(path).mode : undefined;
    if (mode === undefined) throw new InputError(`invalid configuration: vault.${key} ${path} does not exist`, 'write the file there or fix the path');
    if (secret && mode & 0o004) throw new InputError(`invalid configuration: vault.${key} ${path} is readable by every user (mode ${(mode & 0o777).toString(8)})`, `chmod 600 ${path}`);
    return path;
  };
  const caFile = check('caFile', vault.caFile, false);
  const tokenFile = check('tokenFile', vault.tokenFile, true);
  const approle = vault.approle && {
    ...vault.approle,
    roleIdFile: check('approle.roleIdFile', vault.approle.roleIdFile, true)!,
    secretIdFile: check('approle.secretIdFile', vault.approle.secretIdFile, true)!,
  };
  return { ...vault, ...(caFile ? { caFile } : {}), ...(tokenFile ? { tokenFile } : {}), ...(approle ? { approle } : {}) };
}
