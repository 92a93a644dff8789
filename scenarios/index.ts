import type { Scenario } from '../lab/runner/scenario.ts';
import { vaultLeaderFailover } from './vault-leader-failover.ts';
import { vaultMinorityFailure } from './vault-minority-failure.ts';
import { vaultQuorumLoss } from './vault-quorum-loss.ts';
import { pkiRevocation } from './pki-revocation.ts';
import { vaultSnapshotRestore } from './vault-snapshot-restore.ts';
import { certificateIssuance } from './certificate-issuance.ts';
import { certificateRenewal } from './certificate-renewal.ts';
import { certificateRevocation } from './certificate-revocation.ts';

/**
 * Every scenario, in the order `certlab run all` runs them. The certificate lifecycle in the kind cluster
 * runs before the snapshot drill, which destroys the Vault cluster the platform's Vault issuer signs with.
 */
export const SCENARIOS: readonly Scenario[] = [
  vaultLeaderFailover, vaultMinorityFailure, vaultQuorumLoss, pkiRevocation, certificateIssuance, certificateRenewal, certificateRevocation, vaultSnapshotRestore,
];
