// The intermediate-expiry drill's issuing CA: a mount of its own (DRILL_ISSUER_MOUNT) whose issuing CA,
// signed by `pki` like the lab's, lives a few minutes; rotated to a long-lived one under the same
// offline-signed intermediate; removed after the drill. The lab's issuing mount is never touched.
import { X509Certificate } from 'node:crypto';
import type { LabContext } from '../context.ts';
import { createCsr } from '../pki/csr.ts';
import { ensureAdminPolicy } from './admin.ts';
import { vaultErrorText, type VaultClient } from './api.ts';
import { activeEndpoint, type VaultCluster } from './cluster.ts';
import { issuerRole, mounted, writeCertManagerPolicy } from './configure.ts';
import { signCsr } from './issue.ts';
import { newIssuingCa, type IssuingCa } from './issuing-ca.ts';
import { DRILL_ISSUER_MOUNT, LAB_VAULT_PKI, PKI_ROLE } from './pki-layout.ts';

/** What an issuer does with a leaf whose requested not-after passes its own (Vault's leaf_not_after_behavior). */
export type LeafNotAfterBehavior = 'err' | 'truncate' | 'permit';

export interface DrillIssuingCa extends IssuingCa {
  notAfter: Date;
  serialNumber: string;
  /** As the issuer reads back after it was set. */
  behavior: string;
}

export interface DrillIssuer {
  mount: string;
  /** What a ClusterIssuer signs on: `<mount>/sign/<role>`. */
  signPath: string;
  /** The admin client on the node active now. */
  admin(): Promise<VaultClient>;
  first: DrillIssuingCa;
}

/** Sets the issuer's leaf_not_after_behavior and reads it back (an issuer update takes every field; the others keep their defaults). */
export async function setLeafNotAfterBehavior(admin: VaultClient, mount: string, issuerId: string, behavior: LeafNotAfterBehavior): Promise<string> {
  await admin.write(`${mount}/issuer/${issuerId}`, { leaf_not_after_behavior: behavior });
  return (await admin.read(`${mount}/issuer/${issuerId}`)).data.leaf_not_after_behavior as string;
}

/** A new issuing CA in the drill mount, signed by `pki`'s default issuer for `ttl`, made the default, with `behavior`. */
export async function newDrillIssuingCa(admin: VaultClient, ttl: string, behavior: LeafNotAfterBehavior): Promise<DrillIssuingCa> {
  const ca = await newIssuingCa(admin, DRILL_ISSUER_MOUNT, { signPath: 'root/sign-intermediate', ttl });
  const cert = new X509Certificate(ca.certificate);
  return { ...ca, notAfter: new Date(cert.validTo), serialNumber: cert.serialNumber, behavior: await setLeafNotAfterBehavior(admin, DRILL_ISSUER_MOUNT, ca.issuerId, behavior) };
}

/**
 * The drill mount, made fresh (one an interrupted run left is removed first) and removed on every path
 * (ctx.releases): removed rather than emptied, because a PKI mount cannot drop its issuers' keys one by one
 * as cleanly, and a new run wants a mount with no history. The admin policy is brought up to the fixture
 * first (a lab brought up before the drill mount existed gets it through a generated root token), and the
 * cert-manager AppRole's policy, which signs on the drill role too, written again.
 */
export async function useDrillIssuer(ctx: LabContext, vaultCluster: VaultCluster, ttl: string, behavior: LeafNotAfterBehavior): Promise<DrillIssuer> {
  const admin = async () => vaultCluster.admin(await activeEndpoint(vaultCluster));
  await ensureAdminPolicy(ctx, vaultCluster, await admin());
  await writeCertManagerPolicy(await admin());
  const remove = async () => { if (await mounted(await admin(), DRILL_ISSUER_MOUNT)) await (await admin()).unmount({ mount_point: DRILL_ISSUER_MOUNT }); };
  await remove();
  ctx.releases.defer(`remove the Vault mount ${DRILL_ISSUER_MOUNT}`, remove);
  await (await admin()).mount({ mount_point: DRILL_ISSUER_MOUNT, type: 'pki', config: { max_lease_ttl: '26280h' } });
  const first = await newDrillIssuingCa(await admin(), ttl, behavior);
  await (await admin()).write(`${DRILL_ISSUER_MOUNT}/roles/${PKI_ROLE}`, issuerRole(ctx.config.domains.private));
  return { mount: DRILL_ISSUER_MOUNT, signPath: `${DRILL_ISSUER_MOUNT}/sign/${PKI_ROLE}`, admin, first };
}

/** What the mount answers to one sign of a new key for `name` with `ttl`: the leaf's not-after, or Vault's error. */
export async function signAnswer(client: VaultClient, mount: string, name: string, ttl: string): Promise<{ notAfter: Date } | { error: string }> {
  try {
    const leaf = await signCsr(client, (await createCsr([name])).csrPem, name, ttl, { ...LAB_VAULT_PKI, issuerMount: mount });
    return { notAfter: new Date(new X509Certificate(leaf.certificate).validTo) };
  } catch (err) {
    return { error: vaultErrorText(err) };
  }
}

export type SignAnswer = Awaited<ReturnType<typeof signAnswer>>;

/**
 * Vault's answer to one sign of a `ttl` leaf under each behaviour in turn, set on the drill's first issuer
 * (left at the last one): as the client holding `client` (the cert-manager AppRole) gets it.
 */
export async function answersUnder(drill: DrillIssuer, client: VaultClient, behaviors: LeafNotAfterBehavior[], zone: string, ttl: string): Promise<Array<[LeafNotAfterBehavior, SignAnswer]>> {
  const out: Array<[LeafNotAfterBehavior, SignAnswer]> = [];
  for (const behavior of behaviors) {
    await setLeafNotAfterBehavior(await drill.admin(), drill.mount, drill.first.issuerId, behavior);
    out.push([behavior, await signAnswer(client, drill.mount, `direct-${behavior}.${zone}`, ttl)]);
  }
  return out;
}
