// What a scenario needs of the lab beyond its components, and why it cannot run without it. A scenario
// names its requirements (`requires` in scenario.ts); the runner checks them against the configuration
// before anything starts: named on the command line, one that cannot run is refused in one line (exit 2);
// in `all`, it is reported as not run, with the reason.
import type { LabConfig } from '../config/schema.ts';
import { InputError } from '../errors.ts';
import type { Scenario, ScenarioRequirement } from './scenario.ts';

interface RequirementRule {
  met(config: LabConfig): boolean;
  /** Why a scenario with this requirement cannot run here, and what to do instead. */
  unmet: string;
  fix: string;
}

const RULES: Record<ScenarioRequirement, RequirementRule> = {
  'lab-kube-cluster': {
    met: (config) => !config.kubeCluster,
    unmet: 'it restarts the Kubernetes nodes, and kubeCluster.kubeconfig points the lab at a cluster it did not make',
    fix: 'run it on a lab without kubeCluster (the lab\'s own kind cluster)',
  },
};

/** Why `scenario` cannot run with `config`, or undefined when it can. */
export function unmetRequirement(config: LabConfig, scenario: Scenario): { reason: string; fix: string } | undefined {
  const rule = (scenario.requires ?? []).map((r) => RULES[r]).find((r) => !r.met(config));
  return rule && { reason: `${scenario.name} cannot run on this lab: ${rule.unmet}`, fix: rule.fix };
}

/** Refuses, as bad input, the first named scenario that cannot run with `config`. */
export function assertRunnable(config: LabConfig, scenarios: readonly Scenario[]): void {
  for (const s of scenarios) {
    const unmet = unmetRequirement(config, s);
    if (unmet) throw new InputError(unmet.reason, unmet.fix);
  }
}
