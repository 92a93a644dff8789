import type { HttpsClient } from '../host/https.ts';

export class SnapshotError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

/** GET sys/storage/raft/snapshot: a binary body node-vault cannot carry. A standby forwards or refuses. */
export async function takeSnapshot(http: HttpsClient, endpoint: string, token: string, timeoutMs = 60_000): Promise<Buffer> {
  const res = await http.send(`${endpoint}/v1/sys/storage/raft/snapshot`, { headers: { 'X-Vault-Token': token }, timeoutMs });
  if (res.status === 307) throw new SnapshotError(`${endpoint} is a standby: it answered 307, redirecting to the active node at ${res.headers.location}`, res.status);
  if (res.status !== 200) throw new SnapshotError(`snapshot from ${endpoint} failed with ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`, res.status);
  return res.body;
}

/** POST sys/storage/raft/snapshot-force: restores a snapshot taken on another cluster (new unseal keyring). */
export async function restoreSnapshot(http: HttpsClient, endpoint: string, token: string, snapshot: Buffer, timeoutMs = 120_000): Promise<void> {
  const res = await http.send(`${endpoint}/v1/sys/storage/raft/snapshot-force`, {
    method: 'POST', headers: { 'X-Vault-Token': token, 'Content-Type': 'application/octet-stream' }, body: snapshot, timeoutMs,
  });
  if (res.status !== 204 && res.status !== 200) throw new SnapshotError(`restore on ${endpoint} failed with ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`, res.status);
}
