// The user's own Kubernetes cluster (kubeCluster in the configuration): the kubeconfig must exist and
// parse, and the context must be one of its contexts, so a typo is one line at load, before anything starts.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { InputError } from '../errors.ts';
import type { LabConfig } from './schema.ts';

type KubeClusterSetting = NonNullable<LabConfig['kubeCluster']>;

/** The setting with its kubeconfig path made absolute (against `cwd`), once the file and the context check out. */
export function checkKubeClusterSetting(setting: KubeClusterSetting, source: string, cwd: string): KubeClusterSetting {
  const file = resolve(cwd, setting.kubeconfig);
  const invalid = (what: string, fix: string) => new InputError(`invalid configuration: kubeCluster.${what} (in ${source})`, fix);
  if (!existsSync(file)) throw invalid(`kubeconfig ${file} does not exist`, 'point kubeCluster.kubeconfig at your cluster\'s kubeconfig file, or remove kubeCluster to let the lab make its own kind cluster');
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromString(readFileSync(file, 'utf8'));
  } catch (err) {
    throw invalid(`kubeconfig ${file} is not a kubeconfig (${(err as Error).message.split('\n')[0]})`, 'export it again, e.g. `kind get kubeconfig --name <cluster> > file`');
  }
  const contexts = kc.getContexts().map((c) => c.name);
  const context = setting.context ?? kc.getCurrentContext();
  if (!context || !contexts.includes(context)) {
    throw invalid(setting.context ? `context ${setting.context} is not in ${file}` : `kubeconfig ${file} has no current context`, `set kubeCluster.context to one of: ${contexts.join(', ') || '(the file has none)'}`);
  }
  return { kubeconfig: file, context };
}
