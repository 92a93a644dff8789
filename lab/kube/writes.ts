// Writes server-side apply cannot do without taking fields over: an object's status subresource, written
// as a controller or `cmctl renew` does (GET, change, PUT .../status with the resourceVersion read; a
// conflict is read again and retried), and a JSON merge patch of a few fields.
import https from 'node:https';
import type * as k8s from '@kubernetes/client-node';
import { getPath, type KubeObject } from './api.ts';

async function sendJson(kc: k8s.KubeConfig, method: 'PUT' | 'PATCH', path: string, body: unknown, contentType = 'application/json'): Promise<{ status: number; text: string }> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig names no current API server');
  const opts: https.RequestOptions = { method, headers: { accept: 'application/json', 'content-type': contentType } };
  await kc.applyToHTTPSOptions(opts);
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(server.replace(/\/$/, '') + path), { ...opts, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

/** Reads the object at `path`, lets `change` edit its status, and writes it to `path`/status; retries on 409. */
export async function updateStatus(kc: k8s.KubeConfig, path: string, change: (obj: KubeObject) => void, attempts = 5): Promise<KubeObject> {
  for (let i = 1; ; i++) {
    const obj = await getPath<KubeObject>(kc, path);
    change(obj);
    const res = await sendJson(kc, 'PUT', `${path}/status`, obj);
    if (res.status < 300) return JSON.parse(res.text) as KubeObject;
    if (res.status !== 409 || i >= attempts) throw new Error(`PUT ${path}/status: ${res.status} ${res.text.slice(0, 300)}`);
  }
}

/** A JSON merge patch (RFC 7386) of the object at `path`: only the fields given change. */
export async function mergePatch(kc: k8s.KubeConfig, path: string, patch: unknown): Promise<void> {
  const res = await sendJson(kc, 'PATCH', path, patch, 'application/merge-patch+json');
  if (res.status >= 300) throw new Error(`PATCH ${path}: ${res.status} ${res.text.slice(0, 300)}`);
}
