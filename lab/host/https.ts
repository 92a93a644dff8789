import { Agent, request } from 'node:https';

export interface HttpsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json<T = unknown>(): T;
}

export interface HttpsOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  timeoutMs?: number;
  servername?: string;
}

/**
 * Plain HTTPS against a lab server whose certificate chains to the lab CA: for what the Vault client
 * library has no call for (binary snapshot bodies, health codes that are not errors).
 */
export class HttpsClient {
  private readonly agent: Agent;

  /** Without `ca`, the system's trust store verifies the server (a Vault the lab did not make). */
  constructor(ca: string | Buffer | undefined, maxSockets = 64) {
    this.agent = new Agent({ ...(ca ? { ca } : {}), keepAlive: true, maxSockets });
  }

  send(url: string, opts: HttpsOptions = {}): Promise<HttpsResponse> {
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method: opts.method ?? 'GET', headers: opts.headers, agent: this.agent,
        timeout: opts.timeoutMs ?? 10_000, ...(opts.servername ? { servername: opts.servername } : {}),
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: <T>() => JSON.parse(body.toString('utf8')) as T });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${opts.method ?? 'GET'} ${url}: no answer within ${opts.timeoutMs ?? 10_000} ms`)));
      req.on('error', reject);
      if (opts.body !== undefined) req.write(opts.body);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
