import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabContext } from '../context.ts';
import { FIXTURES_DIR, renderTemplate } from '../fixtures.ts';
import { privateKeyPem } from '../pki/crypto.ts';
import type { VaultClient } from './api.ts';
import type { VaultCluster } from './cluster.ts';
import { activeEndpoint } from './cluster.ts';
import { CERT_MANAGER_APPROLE, ISSUER_MOUNT, PKI_MOUNT, PKI_ROLE, SNAPSHOT_APPROLE } from './pki-layout.ts';
import { loadSecret, saveSecret, type AppRoleSecrets } from './secrets.ts';

async function policy(name: string, vars: Record<string, string>): Promise<string> {
  const file = join(FIXTURES_DIR, 'vault/policies', `${name}.hcl`);
  return renderTemplate(await readFile(file, 'utf8'), vars, `fixtures/vault/policies/${name}.hcl`);
}

async function mounted(admin: VaultClient, path: string): Promise<boolean> {
  const mounts = await admin.mounts();
  return `${path}/` in (mounts.data ?? mounts);
}

/**
 * The article's management step: `pki` holds the offline-signed intermediate (imported with its key);
 * `pki_private_issuer` makes its own key and CSR, which `pki` signs, and is set with the full chain;
 * a role for the lab's private domains; AppRoles `cert-manager` (sign on that role only, short TTL) and
 * `snapshot-agent` (snapshots only). Safe to run again: what exists is left alone.
 */
export async function configureVaultPki(ctx: LabContext, cluster: VaultCluster): Promise<void> {
  const admin = cluster.admin(await activeEndpoint(cluster));
  const { domains, vault } = ctx.config;
  const base = `https://${cluster.topology.leaderTlsServername}:8200/v1`;

  if (!(await mounted(admin, PKI_MOUNT))) {
    await admin.mount({ mount_point: PKI_MOUNT, type: 'pki', config: { max_lease_ttl: '43800h' } });
    const intermediate = cluster.pki.intermediate;
    const bundle = [await privateKeyPem(intermediate.keys.privateKey), intermediate.cert.toString('pem'), cluster.pki.root.cert.toString('pem')].join('\n');
    await admin.write(`${PKI_MOUNT}/config/ca`, { pem_bundle: bundle });
    await admin.write(`${PKI_MOUNT}/config/urls`, { issuing_certificates: `${base}/${PKI_MOUNT}/ca`, crl_distribution_points: `${base}/${PKI_MOUNT}/crl` });
  }

  if (!(await mounted(admin, ISSUER_MOUNT))) {
    await admin.mount({ mount_point: ISSUER_MOUNT, type: 'pki', config: { max_lease_ttl: '26280h' } });
    const csr = await admin.write(`${ISSUER_MOUNT}/intermediate/generate/internal`, { common_name: 'certlab Vault Issuer', key_type: 'ec', key_bits: 256, organization: 'certlab' });
    const signed = await admin.write(`${PKI_MOUNT}/root/sign-intermediate`, { csr: csr.data.csr, common_name: 'certlab Vault Issuer', ttl: '26280h', format: 'pem_bundle', max_path_length: 0 });
    const chain = [signed.data.certificate, cluster.pki.intermediate.cert.toString('pem'), cluster.pki.root.cert.toString('pem')].join('\n');
    await admin.write(`${ISSUER_MOUNT}/intermediate/set-signed`, { certificate: chain });
    await admin.write(`${ISSUER_MOUNT}/config/urls`, { issuing_certificates: `${base}/${ISSUER_MOUNT}/ca`, crl_distribution_points: `${base}/${ISSUER_MOUNT}/crl` });
    await admin.write(`${ISSUER_MOUNT}/roles/${PKI_ROLE}`, {
      allowed_domains: [domains.private, 'cluster.local'], allow_subdomains: true, allow_bare_domains: true,
      key_type: 'any', max_ttl: '2160h', ttl: '720h', require_cn: false, organization: 'certlab',
    });
  }

  if (await loadSecret(ctx.paths, 'approles')) return;
  const auths = await admin.auths();
  if (!('approle/' in (auths.data ?? auths))) await admin.enableAuth({ mount_point: 'approle', type: 'approle' });
  await admin.addPolicy({ name: CERT_MANAGER_APPROLE, rules: await policy('cert-manager', { issuerMount: ISSUER_MOUNT, role: PKI_ROLE }) });
  await admin.addPolicy({ name: SNAPSHOT_APPROLE, rules: await policy('snapshot-agent', {}) });
  const approles: AppRoleSecrets = {};
  for (const name of [CERT_MANAGER_APPROLE, SNAPSHOT_APPROLE]) {
    await admin.write(`auth/approle/role/${name}`, { token_policies: [name], token_ttl: vault.tokenTtl, token_max_ttl: '1h', secret_id_ttl: 0, token_no_default_policy: false });
    const roleId = (await admin.read(`auth/approle/role/${name}/role-id`)).data.role_id as string;
    const secretId = (await admin.write(`auth/approle/role/${name}/secret-id`, {})).data.secret_id as string;
    approles[name] = { roleId, secretId };
  }
  await saveSecret(ctx.paths, 'approles', approles);
}
