import type { LabContext } from '../context.ts';
import { renderFixture } from '../fixtures.ts';
import type { HttpsClient } from '../host/https.ts';
import { vaultClient, type VaultClient } from './api.ts';
import { AUDIT_DEVICE } from './audit.ts';
import { activeEndpoint, type VaultCluster } from './cluster.ts';
import { withGeneratedRoot } from './generate-root.ts';
import { MARKER_MOUNT } from './markers.ts';
import { CERT_MANAGER_APPROLE, DRILL_ISSUER_MOUNT, ISSUER_MOUNT, PKI_MOUNT, SNAPSHOT_APPROLE } from './pki-layout.ts';
import { loadSecret, saveSecret, type AdminSecrets } from './secrets.ts';

/** The policy of the lab's admin token: fixtures/vault/policies/certlab-admin.hcl. */
export const ADMIN_POLICY = 'certlab-admin';
/**
 * The admin token is periodic: it lives as long as it is renewed within this period, which every
 * `certlab up` does. A lab left alone longer gets a new one (through a generated root token).
 */
export const ADMIN_TOKEN_PERIOD = '168h';

export function adminPolicyRules(): Promise<string> {
  return renderFixture(`vault/policies/${ADMIN_POLICY}.hcl`, {
    pkiMount: PKI_MOUNT, issuerMount: ISSUER_MOUNT, markerMount: MARKER_MOUNT, drillMount: DRILL_ISSUER_MOUNT,
    certManagerPolicy: CERT_MANAGER_APPROLE, snapshotPolicy: SNAPSHOT_APPROLE, adminPolicy: ADMIN_POLICY,
    auditPath: AUDIT_DEVICE.path,
  });
}

/** Whether a token is valid: lookup-self answers 200 (403 when revoked or expired; anything else throws). */
export async function tokenValid(http: HttpsClient, endpoint: string, token: string): Promise<boolean> {
  const res = await http.send(`${endpoint}/v1/auth/token/lookup-self`, { headers: { 'X-Vault-Token': token } });
  if (res.status === 200) return true;
  if (res.status === 403) return false;
  throw new Error(`token lookup on ${endpoint} answered ${res.status}: ${res.body.toString('utf8').slice(0, 200)}`);
}

/** The admin policy (written) and a new orphan periodic token holding only it (saved 0600), made with a root token. */
async function createAdminToken(ctx: LabContext, root: VaultClient): Promise<AdminSecrets> {
  await root.write(`sys/policies/acl/${ADMIN_POLICY}`, { policy: await adminPolicyRules() });
  // A plain write: node-vault's tokenCreateOrphan drops `period` (not in its schema) and switches the client to the new token.
  const res = await root.write('auth/token/create-orphan', {
    policies: [ADMIN_POLICY], no_default_policy: true, period: ADMIN_TOKEN_PERIOD, renewable: true, display_name: ADMIN_POLICY,
  });
  const admin: AdminSecrets = { token: res.auth.client_token as string, accessor: res.auth.accessor as string, policy: ADMIN_POLICY };
  await saveSecret(ctx.paths, 'admin', admin);
  return admin;
}

/**
 * The admin policy as the fixture says it now, applied through a generated root token when the server
 * holds another (the admin token may read its policy, not change it). Returns whether it was changed. For
 * `up`, and for a scenario that needs what a newer fixture grants on a lab brought up before it.
 */
export async function ensureAdminPolicy(ctx: LabContext, cluster: Pick<VaultCluster, 'http' | 'ca' | 'endpoints' | 'topology'>, admin: VaultClient): Promise<boolean> {
  const current = (await admin.read(`sys/policies/acl/${ADMIN_POLICY}`)).data.policy as string;
  const wanted = await adminPolicyRules();
  if (current === wanted) return false;
  await withGeneratedRoot(ctx, cluster, (root, active) => vaultClient(active, cluster.ca, root).write(`sys/policies/acl/${ADMIN_POLICY}`, { policy: wanted }));
  return true;
}

/**
 * The lab's admin token, made once and reused: on the first bring-up it is made with the init root token,
 * which is then revoked (auth/token/revoke-self) and dropped from vault-init.json; later bring-ups renew
 * it. Where it is gone (expired, a lost file) and no root token is left, a root token is generated from
 * the recovery keys just to make a new one. A changed policy fixture is applied the same way: the admin
 * token may read its policy but not change it.
 */
export async function ensureAdminToken(ctx: LabContext, cluster: Pick<VaultCluster, 'http' | 'ca' | 'endpoints' | 'topology'>): Promise<string> {
  const endpoint = await activeEndpoint(cluster);
  const init = await loadSecret(ctx.paths, 'init');
  let admin = await loadSecret(ctx.paths, 'admin');
  if (admin && !(await tokenValid(cluster.http, endpoint, admin.token))) admin = undefined;

  if (!admin && init?.rootToken && (await tokenValid(cluster.http, endpoint, init.rootToken))) {
    admin = await createAdminToken(ctx, vaultClient(endpoint, cluster.ca, init.rootToken));
  } else if (!admin) {
    admin = await withGeneratedRoot(ctx, cluster, (root, active) => createAdminToken(ctx, vaultClient(active, cluster.ca, root)));
  } else {
    const client = vaultClient(endpoint, cluster.ca, admin.token);
    await client.write('auth/token/renew-self', {});
    await ensureAdminPolicy(ctx, cluster, client);
  }

  if (init?.rootToken) {
    // Revoked by itself, then forgotten: a revoked token is worth nothing, and no root token stays on disk.
    if (await tokenValid(cluster.http, endpoint, init.rootToken)) await vaultClient(endpoint, cluster.ca, init.rootToken).tokenRevokeSelf();
    await saveSecret(ctx.paths, 'init', { recoveryKeys: init.recoveryKeys });
  }
  return admin.token;
}
