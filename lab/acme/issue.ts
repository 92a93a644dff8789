import { Agent } from 'node:https';
import * as acme from 'acme-client';
import type { LabContext } from '../context.ts';
import { labDns } from '../dns/connect.ts';
import { resolveTxt } from '../dns/query.ts';
import { pollUntil } from '../host/wait.ts';
import { requirePebble } from './endpoints.ts';

export interface PublicCertificate {
  domains: string[];
  /** Leaf first, then Pebble's intermediate, as Pebble serves the chain. */
  certificate: string;
  privateKey: string;
}

/** Where DNS-01 looks for the token of `identifier` (a wildcard's authorization names the base domain). */
export function challengeName(identifier: string): string {
  return `_acme-challenge.${identifier.replace(/^\*\./, '')}`;
}

const TXT_VISIBLE_TIMEOUT_MS = 30_000;

/**
 * A certificate for `domains` (wildcards allowed) from Pebble by DNS-01: each token goes into BIND by a
 * TSIG-signed RFC 2136 update, and Pebble is told to validate only once CoreDNS, its resolver, serves it.
 */
export async function issuePublicCertificate(ctx: LabContext, domains: string[]): Promise<PublicCertificate> {
  const [pebble, dns] = await Promise.all([requirePebble(ctx), labDns(ctx)]);
  // acme-client sends everything through its one axios instance; Pebble's HTTPS chains to the lab CA.
  acme.axios.defaults.httpsAgent = new Agent({ ca: pebble.ca });
  const client = new acme.Client({
    directoryUrl: pebble.directoryUrl,
    accountKey: await acme.crypto.createPrivateEcdsaKey(),
    // Pebble validates at once (PEBBLE_VA_NOSLEEP); the library's 5 s first back-off would dominate.
    backoffAttempts: 30, backoffMin: 100, backoffMax: 2_000,
  });
  const [privateKey, csr] = await acme.crypto.createCsr({ altNames: domains }, await acme.crypto.createPrivateEcdsaKey());

  const certificate = await client.auto({
    csr,
    termsOfServiceAgreed: true,
    challengePriority: ['dns-01'],
    // The library would check with the system resolver, which knows nothing of the lab; CoreDNS is checked below.
    skipChallengeVerification: true,
    challengeCreateFn: async (authz, challenge, keyAuthorization) => {
      if (challenge.type !== 'dns-01') throw new Error(`Pebble offered no dns-01 challenge for ${authz.identifier.value}`);
      const name = challengeName(authz.identifier.value);
      await dns.rfc2136.addTxt(name, keyAuthorization);
      await pollUntil(async () => ((await resolveTxt(dns.resolver, name)).includes(keyAuthorization) ? true : undefined), {
        timeoutMs: TXT_VISIBLE_TIMEOUT_MS, intervalMs: 100, what: `TXT ${name} through CoreDNS`, signal: ctx.signal,
      });
    },
    challengeRemoveFn: (authz, _challenge, keyAuthorization) => dns.rfc2136.removeTxt(challengeName(authz.identifier.value), keyAuthorization),
  });
  return { domains, certificate, privateKey: privateKey.toString() };
}
