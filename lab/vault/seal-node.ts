import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { LabContext } from '../context.ts';
import { writePublicFile } from '../host/files.ts';
import type { HttpsClient } from '../host/https.ts';
import { pollUntil } from '../host/wait.ts';
import { FIXTURES_DIR, renderTemplate } from '../fixtures.ts';
import { health, vaultClient, type VaultClient } from './api.ts';
import { TRANSIT_KEY } from './pki-layout.ts';
import { renderSealConfig } from './render.ts';
import { loadSecret, saveSecret, type SealSecrets } from './secrets.ts';
import { startServerContainer } from './server-container.ts';
import type { VaultTopology } from './topology.ts';

export interface RunningServer { endpoint: string }

/**
 * The seal node, the lab's stand-in for a cloud KMS: started, initialised with one Shamir key, unsealed,
 * its transit engine given the `autounseal` key and a periodic token limited to it. On a restart (the
 * node keeps its volume) it is unsealed again with the stored key.
 */
export async function startSealNode(ctx: LabContext, topology: VaultTopology, tlsDir: string, http: HttpsClient, ca: string): Promise<RunningServer & { secrets: SealSecrets }> {
  const configDir = join(ctx.paths.mounts, 'vault-seal');
  await writePublicFile(join(configDir, 'seal.hcl'), await renderSealConfig(topology));
  const { hostPort } = await startServerContainer(ctx, topology.flavor, topology.seal, { tlsDir, configDir, configFile: 'seal.hcl' });
  const endpoint = `https://127.0.0.1:${hostPort}`;
  const state = await pollUntil(async () => {
    const h = await health(http, endpoint);
    return ['uninitialized', 'sealed', 'active'].includes(h.state) ? h.state : undefined;
  }, { timeoutMs: 30_000, what: 'the seal node to answer', signal: ctx.signal });

  let secrets = await loadSecret(ctx.paths, 'seal');
  if (state === 'uninitialized') secrets = await initialiseSeal(ctx, endpoint, ca);
  if (!secrets) throw new Error(`the seal node's volume is initialised but ${ctx.paths.secrets}/vault-seal.json is missing; run \`certlab down\` to start over`);
  if (state !== 'active') await vaultClient(endpoint, ca).unseal({ key: secrets.unsealKey });
  await pollUntil(async () => ((await health(http, endpoint)).state === 'active' ? true : undefined), { timeoutMs: 30_000, what: 'the seal node to be active', signal: ctx.signal });
  return { endpoint, secrets };
}

async function initialiseSeal(ctx: LabContext, endpoint: string, ca: string): Promise<SealSecrets> {
  const init = await vaultClient(endpoint, ca).init({ secret_shares: 1, secret_threshold: 1 });
  const unsealKey: string = init.keys_base64[0];
  const rootToken: string = init.root_token;
  const admin = vaultClient(endpoint, ca, rootToken);
  await admin.unseal({ key: unsealKey });
  await pollUntil(async () => ((await admin.status()).sealed === false ? true : undefined), { timeoutMs: 15_000, what: 'the seal node to unseal' });
  await pollUntil(async () => (await admin.write('sys/mounts/transit', { type: 'transit' }), true), { timeoutMs: 15_000, what: 'the seal node to take writes' });
  const transitToken = await createTransitKey(admin, TRANSIT_KEY);
  const secrets: SealSecrets = { unsealKey, rootToken, transitToken };
  await saveSecret(ctx.paths, 'seal', secrets);
  return secrets;
}

/**
 * A transit key on the seal node and a periodic token that may only encrypt and decrypt with it: what a
 * cluster's `seal "transit"` stanza needs (the KMS key and the grant to use it).
 */
export function transitPolicyName(key: string): string {
  return `seal-${key}`;
}

export async function createTransitKey(sealAdmin: VaultClient, key: string): Promise<string> {
  await sealAdmin.write(`transit/keys/${key}`, { type: 'aes256-gcm96' });
  const rules = renderTemplate(await readFile(join(FIXTURES_DIR, 'vault/policies/autounseal.hcl'), 'utf8'), { transitKey: key }, 'fixtures/vault/policies/autounseal.hcl');
  const policy = transitPolicyName(key);
  await sealAdmin.addPolicy({ name: policy, rules });
  // A plain write: node-vault's tokenCreateOrphan drops `period` (not in its schema) and switches the client to the new token.
  const token = await sealAdmin.write('auth/token/create-orphan', { policies: [policy], period: '24h', no_default_policy: true, display_name: policy });
  return token.auth.client_token as string;
}
