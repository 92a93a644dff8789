import type { LabContext } from '../context.ts';
import { renderFixture } from '../fixtures.ts';
import type { HttpsClient } from '../host/https.ts';
import { privateKeyPem } from '../pki/crypto.ts';
import type { LabPki } from '../pki/lab-pki.ts';
import type { VaultClient } from './api.ts';
import { ensureAuditDevice } from './audit.ts';
import type { VaultCluster } from './cluster.ts';
import { activeEndpoint } from './cluster.ts';
import { ISSUING_CA_TTL, newIssuingCa } from './issuing-ca.ts';
import { LAB_VAULT_PKI, SNAPSHOT_APPROLE, type PkiLayout } from './pki-layout.ts';
import { tidy } from './revocation.ts';
import { loadSecret, saveSecret, type AppRoleCredentials, type AppRoleSecrets, type UserVaultRecord } from './secrets.ts';

async function policy(name: string, vars: Record<string, string>): Promise<string> {
  return renderFixture(`vault/policies/${name}.hcl`, vars);
}

/** Whether a secrets engine is mounted at `path`. */
export async function mounted(admin: VaultClient, path: string): Promise<boolean> {
  const mounts = await admin.mounts();
  return `${path}/` in (mounts.data ?? mounts);
}

/** A PKI engine at `path` (a plain write: node-vault's mount() escapes the slashes of a nested path). */
async function enablePki(admin: VaultClient, path: string, maxLeaseTtl: string): Promise<void> {
  await admin.write(`sys/mounts/${path}`, { type: 'pki', config: { max_lease_ttl: maxLeaseTtl } });
}

/** Something the lab makes in a Vault, by the path that removes it again. */
export type MadeInVault = UserVaultRecord['made'][number];

/**
 * A Vault the private PKI is configured in, whoever made it: the lab's Raft cluster or the user's own
 * (vault.address). `layout` names the mounts; `beforeCreate`, where given, records each mount, auth
 * method and policy before it is made, so a bring-up cut short still leaves a record of it.
 */
export interface PkiTarget {
  admin: VaultClient;
  endpoint: string;
  http: HttpsClient;
  pki: LabPki;
  /** Where clients fetch the issuing certificates and CRLs (written into the mounts' URLs). */
  base: string;
  layout: PkiLayout;
  beforeCreate?: (item: MadeInVault) => Promise<void>;
}

/**
 * The role cert-manager signs on: DNS names in the lab's private domain and `cluster.local` (and their
 * subdomains, wildcards included) and nothing else: no localhost, no IP or URI SANs, no globs, no other
 * name. Written on every configuration run, so a lab configured with an older role gets this one.
 */
export function issuerRole(privateDomain: string): Record<string, unknown> {
  return {
    allowed_domains: [privateDomain, 'cluster.local'], allow_subdomains: true, allow_bare_domains: true,
    allow_wildcard_certificates: true, allow_glob_domains: false, allow_any_name: false, allow_localhost: false,
    allow_ip_sans: false, allowed_uri_sans: [], allowed_other_sans: [], enforce_hostnames: true,
    key_type: 'any', max_ttl: '2160h', ttl: '720h', require_cn: false, organization: 'certlab',
  };
}

/**
 * What the `pki health-check` wants of a mount (command/healthcheck/ in OpenBao and Vault): the CRL
 * rebuilt by the server when due (auto_rebuild; with it a revocation no longer rebuilds the whole CRL
 * each time, and a delta CRL carries new revocations meanwhile), auto-tidy every 12 h (the check warns
 * above 2 days), the If-Modified-Since/Last-Modified headers let through, and the PKI engine's public
 * parameters (CSR, names, serials, the issued certificate) logged in clear by the audit device while keys
 * and bundles stay HMAC'd. The issuing CA and its chain, the same in every answer, stay HMAC'd too (the
 * check rates that "informational"): in clear they would take a sign's audit entries from about 3.5 KB to
 * 8 KB, and the lab signs tens of thousands of certificates in a run.
 */
const CRL_CONFIG = { auto_rebuild: true, auto_rebuild_grace_period: '12h', expiry: '72h', enable_delta: true, delta_rebuild_interval: '15m' };
const TIDY = { tidy_cert_store: true, tidy_revoked_certs: true, tidy_revoked_cert_issuer_associations: true, safety_buffer: '72h' };
const AUTO_TIDY = { enabled: true, interval_duration: '12h', pause_duration: '0s', ...TIDY };
const TIDY_INTERVAL_MS = 12 * 3_600_000;
const MOUNT_TUNING = {
  passthrough_request_headers: ['If-Modified-Since'],
  allowed_response_headers: ['Last-Modified'],
  audit_non_hmac_request_keys: [
    'csr', 'certificate', 'issuer_ref', 'common_name', 'alt_names', 'other_sans', 'ip_sans', 'uri_sans', 'ttl', 'not_after',
    'serial_number', 'key_type', 'private_key_format', 'managed_key_name', 'managed_key_id', 'ou', 'organization', 'country',
    'locality', 'province', 'street_address', 'postal_code', 'permitted_dns_domains', 'policy_identifiers', 'ext_key_usage_oids',
  ],
  audit_non_hmac_response_keys: ['certificate', 'serial_number', 'error'],
};

function urls(base: string, mount: string): Record<string, string> {
  return { issuing_certificates: `${base}/${mount}/ca`, crl_distribution_points: `${base}/${mount}/crl`, delta_crl_distribution_points: `${base}/${mount}/crl/delta` };
}

/**
 * CRL, auto-tidy, tuning and URLs of one PKI mount (idempotent), and a tidy when none finished within the
 * auto-tidy interval: a new mount's first (the health check is critical until one has run), or after the
 * lab was down longer than that.
 */
async function configureMountUpkeep({ admin, http, endpoint, base }: PkiTarget, mount: string, signal?: AbortSignal): Promise<void> {
  await admin.write(`${mount}/config/urls`, urls(base, mount));
  await admin.write(`${mount}/config/crl`, CRL_CONFIG);
  await admin.write(`${mount}/config/auto-tidy`, AUTO_TIDY);
  await admin.write(`sys/mounts/${mount}/tune`, MOUNT_TUNING);
  const status = (await admin.read(`${mount}/tidy-status`)).data as { state: string; time_finished?: string | null };
  const finished = status.time_finished ? Date.parse(status.time_finished) : 0;
  if (status.state === 'Running' || Date.now() - finished < TIDY_INTERVAL_MS) return;
  await tidy(http, endpoint, admin, mount, TIDY, signal);
}

/**
 * AppRole secret IDs expire and wear out, so a leaked one stops working: 30 days, 10 000 logins. The
 * count is high because cert-manager's Vault issuer logs in with the secret ID for every certificate
 * request (it keeps no token), and the lab's scenarios issue thousands; a later `certlab up` replaces a
 * secret ID that is expired or gone, expires within a day, or has fewer than 1 000 logins left.
 */
export const SECRET_ID_LIMITS = { ttl: '720h', numUses: 10_000, replaceWithinMs: 86_400_000, replaceBelowUses: 1_000 } as const;

/**
 * Where the AppRoles' secret IDs and tokens may be used from: the lab network, which holds kind's nodes
 * (their pods are masqueraded behind them) and the gateway the engine's port proxy connects from for this
 * host's requests (lab containers sit on the lab network alone: lab/host/loopback-container.ts).
 */
export function appRoleCidrs(subnet: string): string[] {
  return [subnet];
}

/** The lab's AppRoles: their tokens carry their one policy (not `default`) and, like their secret IDs, work only from `cidrs`. */
function appRoleSettings(policyName: string, tokenTtl: string, cidrs: string[]): Record<string, unknown> {
  return {
    token_policies: [policyName], token_no_default_policy: true, token_ttl: tokenTtl, token_max_ttl: '1h',
    secret_id_ttl: SECRET_ID_LIMITS.ttl, secret_id_num_uses: SECRET_ID_LIMITS.numUses,
    token_bound_cidrs: cidrs, secret_id_bound_cidrs: cidrs,
  };
}

/**
 * Why a saved secret ID must be replaced, or undefined while it is good: looked up on the server
 * (auth/approle/role/NAME/secret-id/lookup), which knows its expiry and the logins it has left.
 */
export async function secretIdReplacementReason(admin: VaultClient, role: string, secretId: string, now = Date.now(), approleMount = LAB_VAULT_PKI.approleMount): Promise<string | undefined> {
  const res = await admin.write(`auth/${approleMount}/role/${role}/secret-id/lookup`, { secret_id: secretId }) as { data?: { expiration_time?: string; secret_id_num_uses?: number } } | undefined;
  const data = res?.data;
  if (!data) return 'unknown to the server (expired, used up or destroyed)';
  const expires = Date.parse(data.expiration_time ?? '');
  if (!(expires > Date.UTC(1, 0, 2))) return 'has no expiry';
  if (expires - now < SECRET_ID_LIMITS.replaceWithinMs) return `expires ${new Date(expires).toISOString()}`;
  const uses = data.secret_id_num_uses ?? 0;
  if (uses === 0) return 'has no use limit';
  if (uses < SECRET_ID_LIMITS.replaceBelowUses) return `${uses} logins left`;
  return undefined;
}

/** The cert-manager AppRole's policy (fixtures/vault/policies/cert-manager.hcl): sign on the lab role of the issuing mount and the drill's. */
function certManagerPolicyVars(layout: PkiLayout): Record<string, string> {
  return { issuerMount: layout.issuerMount, drillMount: layout.drillIssuerMount, role: layout.role };
}

/** An AppRole's ACL policy, rendered from fixtures/vault/policies/<appRole>.hcl with `vars`. */
async function writeAppRolePolicy(admin: VaultClient, layout: PkiLayout, appRole: string, vars: Record<string, string>): Promise<void> {
  await admin.write(`sys/policies/acl/${layout.policy(appRole)}`, { policy: await policy(appRole, vars) });
}

/** Writes that policy again (a lab configured before the drill mount existed gets its sign right). */
export async function writeCertManagerPolicy(admin: VaultClient, layout: PkiLayout = LAB_VAULT_PKI): Promise<void> {
  await writeAppRolePolicy(admin, layout, layout.certManagerAppRole, certManagerPolicyVars(layout));
}

/**
 * The AppRole auth method (where missing), a policy and role per AppRole (written every time), and a good
 * secret ID for each. `policies` are the AppRoles with their policy fixture's variables.
 */
async function configureAppRoles(ctx: LabContext, target: PkiTarget, policies: Record<string, Record<string, string>>, cidrs: string[]): Promise<void> {
  const { admin, layout } = target;
  const { vault } = ctx.config;
  const auths = await admin.read('sys/auth');
  if (!(`${layout.approleMount}/` in (auths.data ?? auths))) {
    await target.beforeCreate?.({ kind: 'auth', path: layout.approleMount });
    await admin.write(`sys/auth/${layout.approleMount}`, { type: 'approle' });
  }
  const saved = (await loadSecret(ctx.paths, 'approles')) ?? {};
  const approles: AppRoleSecrets = {};
  const replaced: Array<[string, AppRoleCredentials]> = [];
  for (const [name, vars] of Object.entries(policies)) {
    const roleApi = `auth/${layout.approleMount}/role/${name}`;
    await target.beforeCreate?.({ kind: 'policy', path: layout.policy(name) });
    await writeAppRolePolicy(admin, layout, name, vars);
    await admin.write(roleApi, appRoleSettings(layout.policy(name), vault.tokenTtl, cidrs));
    const roleId = (await admin.read(`${roleApi}/role-id`)).data.role_id as string;
    const old = saved[name];
    const reason = old?.roleId === roleId ? await secretIdReplacementReason(admin, name, old.secretId, Date.now(), layout.approleMount) : 'none saved';
    if (!reason) {
      approles[name] = old!;
      continue;
    }
    ctx.progress(`new secret ID for AppRole ${name} (the saved one ${reason})`);
    approles[name] = { roleId, secretId: (await admin.write(`${roleApi}/secret-id`, {})).data.secret_id as string };
    if (old) replaced.push([name, old]);
  }
  await saveSecret(ctx.paths, 'approles', approles);
  // Only once the new ones are saved: the old secret IDs stop working now, not when they run out.
  for (const [name, old] of replaced) await admin.write(`auth/${layout.approleMount}/role/${name}/secret-id/destroy`, { secret_id: old.secretId }).catch(() => undefined);
}

/**
 * The article's management step: `pki` holds the offline-signed intermediate (imported with its key);
 * `pki_private_issuer` makes its own key and CSR, which `pki` signs, and is set with the full chain;
 * a role for the lab's private domains; AppRole `cert-manager` (sign on that role only, short TTL). With
 * them what a production mount needs and `pki health-check` asks for: CRL auto-rebuild, auto-tidy, a
 * first tidy. Safe to run again: mounts and issuers that exist are left alone; role, AppRole, policy and
 * upkeep settings are written again. `cidrs` bind the AppRoles' secret IDs and tokens (none: unbound).
 */
export async function configurePki(ctx: LabContext, target: PkiTarget, extraAppRoles: Record<string, Record<string, string>>, cidrs: string[]): Promise<void> {
  const { admin, pki, layout } = target;
  if (!(await mounted(admin, layout.pkiMount))) {
    await target.beforeCreate?.({ kind: 'mount', path: layout.pkiMount });
    await enablePki(admin, layout.pkiMount, '43800h');
    const bundle = [await privateKeyPem(pki.intermediate.keys.privateKey), pki.intermediate.cert.toString('pem'), pki.root.cert.toString('pem')].join('\n');
    await admin.write(`${layout.pkiMount}/config/ca`, { pem_bundle: bundle });
  }

  if (!(await mounted(admin, layout.issuerMount))) {
    await target.beforeCreate?.({ kind: 'mount', path: layout.issuerMount });
    await enablePki(admin, layout.issuerMount, '26280h');
    await newIssuingCa(admin, layout.issuerMount, {
      pkiMount: layout.pkiMount, signPath: 'root/sign-intermediate', ttl: ISSUING_CA_TTL, chainAbove: [pki.intermediate.cert.toString('pem'), pki.root.cert.toString('pem')],
    });
  }
  await admin.write(`${layout.issuerMount}/roles/${layout.role}`, issuerRole(ctx.config.domains.private));
  for (const mount of [layout.pkiMount, layout.issuerMount]) await configureMountUpkeep(target, mount, ctx.signal);

  const certManager = { [layout.certManagerAppRole]: certManagerPolicyVars(layout) };
  await configureAppRoles(ctx, target, { ...certManager, ...extraAppRoles }, cidrs);
}

/**
 * The PKI in the lab's own Raft cluster: first the audit device (so everything after it is on the
 * record), then configurePki with the article's names, and AppRole `snapshot-agent` (snapshots only),
 * both AppRoles bound to the lab network.
 */
export async function configureVaultPki(ctx: LabContext, cluster: VaultCluster): Promise<void> {
  const endpoint = await activeEndpoint(cluster);
  const admin = cluster.admin(endpoint);
  await ensureAuditDevice(admin, cluster.topology.flavor);
  const target: PkiTarget = { admin, endpoint, http: cluster.http, pki: cluster.pki, base: `https://${cluster.topology.leaderTlsServername}:8200/v1`, layout: LAB_VAULT_PKI };
  await configurePki(ctx, target, { [SNAPSHOT_APPROLE]: {} }, appRoleCidrs(ctx.config.network.subnet));
}
