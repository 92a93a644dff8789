import { readFile } from 'node:fs/promises';
import type { LabContext } from '../context.ts';
import { LabError } from '../errors.ts';
import { publishedPort } from '../host/docker.ts';
import { HttpsClient } from '../host/https.ts';
import { pkiFiles } from '../pki/lab-pki.ts';
import { ACME_PORT, CHALLTESTSRV_MANAGEMENT_PORT, MANAGEMENT_PORT, acmeLayout } from './layout.ts';

/** Pebble as the host reaches it. Its HTTPS certificate chains to the lab CA (`ca`), not to Pebble's own roots. */
export interface PebbleEndpoints {
  directoryUrl: string;
  managementUrl: string;
  ca: string;
}

export async function pebbleEndpoints(ctx: LabContext): Promise<PebbleEndpoints | undefined> {
  const { pebble } = acmeLayout(ctx.config, ctx.paths);
  const [acme, management] = await Promise.all([publishedPort(pebble.container, ACME_PORT), publishedPort(pebble.container, MANAGEMENT_PORT)]);
  if (!acme || !management) return undefined;
  return {
    directoryUrl: `https://127.0.0.1:${acme}/dir`,
    managementUrl: `https://127.0.0.1:${management}`,
    ca: await readFile(pkiFiles(ctx.paths).caChain, 'utf8'),
  };
}

export async function requirePebble(ctx: LabContext): Promise<PebbleEndpoints> {
  const endpoints = await pebbleEndpoints(ctx);
  if (!endpoints) throw new LabError('the acme component is not running', 'start the acme component first (certlab up)');
  return endpoints;
}

export async function challtestsrvUrl(ctx: LabContext): Promise<string | undefined> {
  const port = await publishedPort(acmeLayout(ctx.config, ctx.paths).challtestsrv.container, CHALLTESTSRV_MANAGEMENT_PORT);
  return port ? `http://127.0.0.1:${port}` : undefined;
}

/** True when Pebble serves its ACME directory. */
export async function directoryServed(endpoints: PebbleEndpoints, timeoutMs = 2_000): Promise<boolean> {
  const http = new HttpsClient(endpoints.ca, 1);
  try {
    // Pebble answers 400 to any ACME request without a User-Agent (RFC 8555 §6.1).
    const res = await http.send(endpoints.directoryUrl, { timeoutMs, headers: { 'User-Agent': 'certlab' } });
    return res.status === 200 && typeof res.json<{ newOrder?: unknown }>().newOrder === 'string';
  } finally {
    http.close();
  }
}

/** True when challtestsrv's management API answers (a read-only history query). */
export async function challtestsrvAnswers(url: string, timeoutMs = 2_000): Promise<boolean> {
  const res = await fetch(`${url}/dns-request-history`, { method: 'POST', body: JSON.stringify({ host: 'readiness.invalid' }), signal: AbortSignal.timeout(timeoutMs) });
  return res.ok;
}

/** Pebble's current root and intermediate (Pebble makes new ones at every start), from its management API. */
export async function pebbleRoots(ctx: LabContext): Promise<{ root: string; intermediate: string }> {
  const endpoints = await requirePebble(ctx);
  const http = new HttpsClient(endpoints.ca, 2);
  try {
    const [root, intermediate] = await Promise.all(['roots/0', 'intermediates/0'].map(async (path) => {
      const res = await http.send(`${endpoints.managementUrl}/${path}`);
      if (res.status !== 200) throw new Error(`GET ${endpoints.managementUrl}/${path}: HTTP ${res.status}`);
      return res.body.toString('utf8');
    }));
    return { root: root!, intermediate: intermediate! };
  } finally {
    http.close();
  }
}
