import type { Scenario } from '../lab/runner/scenario.ts';
import { vaultLeaderFailover } from './vault-leader-failover.ts';
import { vaultMinorityFailure } from './vault-minority-failure.ts';
import { vaultQuorumLoss } from './vault-quorum-loss.ts';
import { pkiRevocation } from './pki-revocation.ts';
import { vaultSnapshotRestore } from './vault-snapshot-restore.ts';

/** Every scenario, in the order `certlab run all` runs them. */
export const SCENARIOS: readonly Scenario[] = [vaultLeaderFailover, vaultMinorityFailure, vaultQuorumLoss, pkiRevocation, vaultSnapshotRestore];
