import type { Component } from './component.ts';
import type { LabConfig } from './config/schema.ts';
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

/** The first of `components` that cannot run with this configuration, as one InputError; nothing when all can. */
export function refuseUnsupported(config: LabConfig, components: Component[]): void {
  for (const c of components) {
    const why = c.unsupported?.(config);
    if (why) throw new InputError(`component ${c.name} ${why}`, `leave it out: certlab up ${components.filter((o) => !o.unsupported?.(config)).map((o) => o.name).join(' ')}`);
  }
}

/**
 * `certlab up`'s components: those named (and what they come after), any that cannot run with this
 * configuration refused; with none named, every component that can, and those left out with why.
 */
export function componentsToBringUp(config: LabConfig, names: string[]): { components: Component[]; leftOut: string[] } {
  const components = resolveComponents(names);
  if (names.length) {
    refuseUnsupported(config, components);
    return { components, leftOut: [] };
  }
  const leftOut = components.filter((c) => c.unsupported?.(config));
  return { components: components.filter((c) => !leftOut.includes(c)), leftOut: leftOut.map((c) => `${c.name} ${c.unsupported!(config)}`) };
}
