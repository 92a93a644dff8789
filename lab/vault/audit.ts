import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LabPaths } from '../paths.ts';
import type { VaultClient } from './api.ts';
import { AUDIT_MOUNT } from './server-container.ts';
import type { VaultFlavor, VaultServer, VaultTopology } from './topology.ts';

/**
 * The lab's audit device: a `file` device at `file/`, each node writing its own log into its directory
 * under the state directory (`audit/<node>/audit.log`). Secrets (tokens, secret IDs, keys) are HMAC'd by
 * the server (log_raw stays off). OpenBao takes the device from its configuration, HashiCorp Vault through
 * the API (see VaultFlavor.auditDevice); both with these settings.
 */
export const AUDIT_DEVICE = {
  type: 'file',
  path: 'file',
  description: 'certlab: every request and response, secrets HMACd',
  filePath: `${AUDIT_MOUNT}/audit.log`,
} as const;

export function auditDir(paths: LabPaths, server: Pick<VaultServer, 'name'>): string {
  return join(paths.audit, server.name);
}

export function auditLog(paths: LabPaths, server: Pick<VaultServer, 'name'>): string {
  return join(auditDir(paths, server), 'audit.log');
}

/**
 * The audit device is enabled: made through the API where the flavour does that, otherwise waited for
 * (a declared device is made by the active node when it takes over). Listing and enabling need sudo.
 */
export async function ensureAuditDevice(admin: VaultClient, flavor: VaultFlavor, timeoutMs = 30_000): Promise<void> {
  const listed = async () => {
    const res = await admin.read('sys/audit');
    return `${AUDIT_DEVICE.path}/` in (res.data ?? res);
  };
  if (await listed()) return;
  if (flavor.auditDevice === 'api') {
    await admin.write(`sys/audit/${AUDIT_DEVICE.path}`, { type: AUDIT_DEVICE.type, description: AUDIT_DEVICE.description, options: { file_path: AUDIT_DEVICE.filePath } });
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (!(await listed())) {
    if (Date.now() > deadline) throw new Error(`the audit device ${AUDIT_DEVICE.path}/ declared in the server configuration did not appear within ${timeoutMs} ms (see the active node's log)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** One audit log line, as much of it as the lab reads. */
export interface AuditEntry {
  node: string;
  time: Date;
  type: 'request' | 'response';
  path: string;
  operation: string;
  remoteAddress: string | undefined;
  error: string | undefined;
}

export interface AuditFilter {
  since: Date;
  until?: Date;
  /** Tested against the request path without the leading slash, e.g. /^pki_private_issuer\/sign\//. */
  path: RegExp;
  /** 'request' (default): each request once; 'response': its answer, with `error` set when it failed. */
  type?: 'request' | 'response';
}

/** The entries of every node's audit log that match, oldest first. */
export async function readAuditEntries(paths: LabPaths, topology: Pick<VaultTopology, 'nodes'>, filter: AuditFilter): Promise<AuditEntry[]> {
  const type = filter.type ?? 'request';
  const since = filter.since.getTime();
  const until = filter.until?.getTime() ?? Number.POSITIVE_INFINITY;
  const out: AuditEntry[] = [];
  for (const node of topology.nodes) {
    const file = auditLog(paths, node);
    if (!existsSync(file)) continue;
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      // Cheap tests before parsing: most lines of a busy log are of other paths or the other type.
      if (!line.includes(`"type":"${type}"`)) continue;
      let raw: { time?: string; type?: string; error?: string; request?: { path?: string; operation?: string; remote_address?: string } };
      try {
        raw = JSON.parse(line);
      } catch {
        continue; // a line being written as we read
      }
      const path = raw.request?.path ?? '';
      if (raw.type !== type || !filter.path.test(path)) continue;
      const at = Date.parse(raw.time ?? '');
      if (!(at >= since && at <= until)) continue;
      out.push({ node: node.name, time: new Date(at), type, path, operation: raw.request?.operation ?? '', remoteAddress: raw.request?.remote_address, error: raw.error || undefined });
    }
  }
  return out.sort((a, b) => a.time.getTime() - b.time.getTime());
}

/**
 * How many requests (or responses) for paths matching `path` the cluster audited in the window, over
 * all nodes (a request a standby forwards is audited once, by the active node).
 */
export async function countAuditRequests(paths: LabPaths, topology: Pick<VaultTopology, 'nodes'>, filter: AuditFilter): Promise<number> {
  return (await readAuditEntries(paths, topology, filter)).length;
}
