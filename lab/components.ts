import type { Component } from './component.ts';
import { InputError } from './errors.ts';
import { acmeComponent } from './acme/index.ts';
import { dnsComponent } from './dns/index.ts';
import { kubeClusterComponent } from './kube/index.ts';
import { platformComponent } from './platform/index.ts';
import { vaultComponent } from './vault/index.ts';

/** Every component `certlab up` knows, in the order they come up. */
export const COMPONENTS: readonly Component[] = [dnsComponent, acmeComponent, vaultComponent, kubeClusterComponent, platformComponent];

export const DEFAULT_COMPONENTS = COMPONENTS.map((c) => c.name);

/** The named components plus what they come after, in bring-up order; unknown names are an error. */
export function resolveComponents(names: string[]): Component[] {
  const known = new Map(COMPONENTS.map((c) => [c.name, c]));
  const wanted = new Set<string>();
  const visit = (name: string) => {
    const c = known.get(name);
    if (!c) throw new InputError(`unknown component "${name}"`, `use one of: ${[...known.keys()].join(', ')}`);
    c.after.forEach(visit);
    wanted.add(name);
  };
  (names.length ? names : DEFAULT_COMPONENTS).forEach(visit);
  return COMPONENTS.filter((c) => wanted.has(c.name));
}
