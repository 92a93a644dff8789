import type { Scenario } from '../lab/runner/scenario.ts';
import { vaultLeaderFailover } from './vault-leader-failover.ts';
import { vaultMinorityFailure } from './vault-minority-failure.ts';
import { vaultQuorumLoss } from './vault-quorum-loss.ts';
import { pkiRevocation } from './pki-revocation.ts';
import { vaultSnapshotRestore } from './vault-snapshot-restore.ts';
import { platformRestart } from './platform-restart.ts';
import { acmeServerRestart } from './acme-server-restart.ts';
import { renewalVaultSealed } from './renewal-vault-sealed.ts';
import { renewalDuringVaultFailover } from './renewal-during-vault-failover.ts';
import { vaultRestoreCertManager } from './vault-restore-cert-manager.ts';

/** Every scenario, in the order `certlab run all` runs them. */
export const SCENARIOS: readonly Scenario[] = [vaultLeaderFailover, vaultMinorityFailure, vaultQuorumLoss, pkiRevocation, vaultSnapshotRestore,
  platformRestart, acmeServerRestart, renewalVaultSealed, renewalDuringVaultFailover, vaultRestoreCertManager];
