import { setTimeout as delay } from 'node:timers/promises';
import { createCsr, type LeafKeyType } from '../pki/csr.ts';
import { vaultClient, vaultErrorText } from './api.ts';
import { signCsr } from './issue.ts';

export interface IssuanceAttempt { startedAt: number; endedAt: number; ok: boolean; endpoint: string; serial?: string; error?: string }

export interface LoadOptions {
  endpoints: () => string[];
  ca: string;
  token: string;
  concurrency: number;
  keyType?: LeafKeyType;
  /** Pause between a worker's requests; 0 for throughput runs. */
  pauseMs?: number;
  requestTimeoutMs?: number;
  commonName?: (i: number) => string;
}

/**
 * Steady issuance through the cert-manager AppRole's token, spread over the nodes round-robin the way a
 * load balancer in front of the cluster would. Every attempt is recorded with its times (epoch ms).
 */
export class IssuanceLoad {
  readonly attempts: IssuanceAttempt[] = [];
  private running = false;
  private workers: Promise<void>[] = [];
  private counter = 0;

  constructor(private readonly opts: LoadOptions) {}

  async start(): Promise<void> {
    const csrs = await Promise.all(Array.from({ length: Math.max(4, this.opts.concurrency) }, (_, i) => createCsr([this.name(i)], this.opts.keyType ?? 'ec256')));
    this.running = true;
    this.workers = Array.from({ length: this.opts.concurrency }, (_, w) => this.worker(csrs[w % csrs.length]!.csrPem, w));
  }

  private name(i: number): string {
    return this.opts.commonName?.(i) ?? `load-${i}.lab.test`;
  }

  private async worker(csrPem: string, w: number): Promise<void> {
    while (this.running) {
      const endpoints = this.opts.endpoints();
      const endpoint = endpoints[this.counter++ % endpoints.length]!;
      const client = vaultClient(endpoint, this.opts.ca, this.opts.token);
      const startedAt = Date.now();
      try {
        const leaf = await withTimeout(signCsr(client, csrPem, this.name(w % Math.max(4, this.opts.concurrency)), '1h'), this.opts.requestTimeoutMs ?? 5_000);
        this.attempts.push({ startedAt, endedAt: Date.now(), ok: true, endpoint, serial: leaf.serial });
      } catch (err) {
        this.attempts.push({ startedAt, endedAt: Date.now(), ok: false, endpoint, error: vaultErrorText(err) });
        await delay(50);
      }
      if (this.opts.pauseMs) await delay(this.opts.pauseMs);
    }
  }

  async stop(): Promise<IssuanceAttempt[]> {
    this.running = false;
    await Promise.all(this.workers);
    return this.attempts;
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

/** Figures of a fault window: failed requests after `faultAt`, their span, and the first success after. */
export function faultWindow(attempts: IssuanceAttempt[], faultAt: number): { failed: number; failureWindowMs: number; firstSuccessAfterMs: number | undefined } {
  const after = attempts.filter((a) => a.startedAt >= faultAt || a.endedAt >= faultAt);
  const failures = after.filter((a) => !a.ok);
  const firstOk = attempts.filter((a) => a.ok && a.startedAt >= faultAt).sort((a, b) => a.endedAt - b.endedAt)[0];
  return {
    failed: failures.length,
    failureWindowMs: failures.length ? Math.max(...failures.map((f) => f.endedAt)) - Math.min(...failures.map((f) => f.startedAt)) : 0,
    firstSuccessAfterMs: firstOk ? firstOk.endedAt - faultAt : undefined,
  };
}
