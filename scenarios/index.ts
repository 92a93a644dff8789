import type { Scenario } from '../lab/runner/scenario.ts';
import { vaultLeaderFailover } from './vault-leader-failover.ts';
import { vaultMinorityFailure } from './vault-minority-failure.ts';
import { vaultQuorumLoss } from './vault-quorum-loss.ts';
import { pkiRevocation } from './pki-revocation.ts';
import { vaultSnapshotRestore } from './vault-snapshot-restore.ts';
import { certificateIssuance } from './certificate-issuance.ts';
import { certificateRenewal } from './certificate-renewal.ts';
import { certificateRevocation } from './certificate-revocation.ts';
import { platformRestart } from './platform-restart.ts';
import { acmeServerRestart } from './acme-server-restart.ts';
import { renewalVaultSealed } from './renewal-vault-sealed.ts';
import { intermediateExpiry } from './intermediate-expiry.ts';
import { renewalDuringVaultFailover } from './renewal-during-vault-failover.ts';
import { vaultRestoreCertManager } from './vault-restore-cert-manager.ts';

/**
 * Every scenario, in the order `certlab run all` runs them: the Vault cluster's own, the certificate
 * lifecycle in the kind cluster, the snapshot drill (which destroys the Vault cluster and restores it),
 * then the incidents across the platform.
 */
export const SCENARIOS: readonly Scenario[] = [
  vaultLeaderFailover, vaultMinorityFailure, vaultQuorumLoss, pkiRevocation,
  certificateIssuance, certificateRenewal, certificateRevocation,
  vaultSnapshotRestore,
  platformRestart, acmeServerRestart, renewalVaultSealed, intermediateExpiry, renewalDuringVaultFailover, vaultRestoreCertManager,
];
