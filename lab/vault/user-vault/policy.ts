import type { LabConfig } from '../../config/schema.ts';
import { renderFixture } from '../../fixtures.ts';
import { userVaultPrefix } from '../pki-layout.ts';

/**
 * The ACL policy the lab's credentials need on the user's Vault (fixtures/vault/policies/user-vault-lab.hcl):
 * everything under the lab's prefix, nothing else. For the Vault's operator to grant; the lab never writes it.
 */
export function userVaultLabPolicy(config: Pick<LabConfig, 'name'> & { vault: Pick<LabConfig['vault'], 'mountPrefix'> }): Promise<string> {
  return renderFixture('vault/policies/user-vault-lab.hcl', { prefix: userVaultPrefix(config) });
}
