import { Agent } from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import type { LabContext } from '../context.ts';
import { pollUntil } from '../host/wait.ts';
import { createCsr, type LeafKeyType } from '../pki/csr.ts';
import type { Release } from '../releases.ts';
import { vaultClient, vaultErrorText } from './api.ts';
import { loginAs } from './approle.ts';
import { activeEndpoint, type VaultCluster } from './cluster.ts';
import { signCsr } from './issue.ts';
import { CERT_MANAGER_APPROLE } from './pki-layout.ts';
import { HealthCheckedPool } from './pool.ts';

/** A worker's pause after a failed request before its next one (a client retrying, not spinning). */
export const RETRY_PAUSE_MS = 50;

export interface IssuanceAttempt { startedAt: number; endedAt: number; ok: boolean; endpoint: string; serial?: string; error?: string }

export interface LoadOptions {
  endpoints: () => string[];
  ca: string;
  token: string;
  concurrency: number;
  /** Names the leaves ask for: `<prefix>-<n>.<private domain>`. */
  domain: string;
  keyType?: LeafKeyType;
  /** Pause between a worker's requests; 0 for throughput runs. */
  pauseMs?: number;
  requestTimeoutMs?: number;
  /** TLS server name to send and verify, for an endpoint reached by address (the load balancer's `vault.<zone>`). */
  servername?: string;
}

/**
 * Issuance through the cert-manager AppRole's token, spread over the nodes round-robin the way a load
 * balancer in front of the cluster would, on keep-alive connections (as cert-manager's client keeps them).
 * Every attempt is recorded with its times (epoch ms), the node it went to and Vault's error.
 */
export class IssuanceLoad {
  readonly attempts: IssuanceAttempt[] = [];
  private running = false;
  private workers: Promise<void>[] = [];
  private counter = 0;
  private readonly agent: Agent;

  constructor(private readonly opts: LoadOptions) {
    this.agent = new Agent({ ca: opts.ca, keepAlive: true, maxSockets: Math.max(1, opts.concurrency), ...(opts.servername ? { servername: opts.servername } : {}) });
  }

  async start(): Promise<void> {
    const csrs = await Promise.all(Array.from({ length: this.opts.concurrency }, (_, i) => createCsr([this.name(i)], this.opts.keyType ?? 'ec256')));
    this.running = true;
    this.workers = csrs.map((csr, w) => this.worker(csr.csrPem, w));
  }

  private name(i: number): string {
    return `load-${i}.${this.opts.domain}`;
  }

  private async worker(csrPem: string, w: number): Promise<void> {
    while (this.running) {
      const endpoints = this.opts.endpoints();
      if (!endpoints.length) {
        // Nothing to send to (no active node behind the pool): a client waits; no request is made.
        await delay(20);
        continue;
      }
      const endpoint = endpoints[this.counter++ % endpoints.length]!;
      const client = vaultClient(endpoint, this.opts.ca, this.opts.token, this.agent);
      const startedAt = Date.now();
      try {
        const leaf = await withTimeout(signCsr(client, csrPem, this.name(w), '1h'), this.opts.requestTimeoutMs ?? 5_000);
        this.attempts.push({ startedAt, endedAt: Date.now(), ok: true, endpoint, serial: leaf.serial });
      } catch (err) {
        this.attempts.push({ startedAt, endedAt: Date.now(), ok: false, endpoint, error: vaultErrorText(err) });
        await delay(RETRY_PAUSE_MS);
      }
      if (this.opts.pauseMs) await delay(this.opts.pauseMs);
    }
  }

  /** Epoch ms at which the `count`-th success started after `since` ended: a real signal that issuance flows. */
  successesAfter(since: number, count: number, timeoutMs: number, signal?: AbortSignal): Promise<number> {
    return pollUntil(async () => {
      const ok = this.attempts.filter((a) => a.ok && a.startedAt >= since);
      return ok.length >= count ? ok[count - 1]!.endedAt : undefined;
    }, { timeoutMs, what: `${count} successful issuances`, intervalMs: 20, ...(signal ? { signal } : {}) });
  }

  async stop(): Promise<IssuanceAttempt[]> {
    this.running = false;
    await Promise.all(this.workers);
    this.agent.destroy();
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

export interface SteadyIssuance { load: IssuanceLoad; pool: HealthCheckedPool; stop: Release }

/** An issuance load on `target`, started and warmed up (5 successes), stopped on every path (ctx.releases). */
async function startWarmLoad(ctx: LabContext, vaultCluster: VaultCluster, what: string, target: Pick<LoadOptions, 'endpoints' | 'servername' | 'concurrency'>): Promise<{ load: IssuanceLoad; stop: Release }> {
  const { token } = await loginAs(ctx.paths, await activeEndpoint(vaultCluster), vaultCluster.ca, CERT_MANAGER_APPROLE);
  const load = new IssuanceLoad({ ...target, ca: vaultCluster.ca, token, pauseMs: 50, domain: ctx.config.domains.private });
  const stop = ctx.releases.defer(`stop the issuance load ${what}`, () => load.stop());
  await load.start();
  await load.successesAfter(Date.now(), 5, 30_000, ctx.signal);
  return { load, stop };
}

/**
 * Steady issuance behind a health-checking pool, started and warmed up (5 successes), both stopped on
 * every path through ctx.releases. `stop` ends them now.
 */
export async function startSteadyIssuance(ctx: LabContext, vaultCluster: VaultCluster, concurrency = 4): Promise<SteadyIssuance> {
  const { pool, stop: stopPool } = await HealthCheckedPool.start(ctx, vaultCluster);
  const { load, stop: stopLoad } = await startWarmLoad(ctx, vaultCluster, 'through the pool', { endpoints: () => pool.targets(), concurrency });
  return { load, pool, stop: async () => { await stopLoad(); await stopPool(); } };
}

/**
 * Steady issuance to the one Vault address, the load balancer (`vault.<private zone>` on its published
 * port), as a production client sends: what it loses in a fault is what the load balancer's health checks
 * cost, beside what the pool's cost.
 */
export function startLbIssuance(ctx: LabContext, vaultCluster: VaultCluster, lb: { url: string; servername: string }, concurrency = 4): Promise<{ load: IssuanceLoad; stop: Release }> {
  return startWarmLoad(ctx, vaultCluster, 'through the load balancer', { endpoints: () => [lb.url], servername: lb.servername, concurrency });
}

/** When a fault was being injected, and when it had landed (the call that injects it returned). */
export interface FaultTimes { injectedAt: number; landedAt: number }

/**
 * Figures of a fault window: the requests that failed from the moment the fault was being injected (those
 * in flight when it hit count), their span, and the first success that started after it had landed (one
 * that started before proves nothing), in ms after it landed.
 */
export function faultWindow(attempts: IssuanceAttempt[], fault: FaultTimes): { failed: number; failureWindowMs: number; firstSuccessAfterMs: number | undefined } {
  const failures = attempts.filter((a) => !a.ok && a.endedAt >= fault.injectedAt);
  const firstOk = attempts.filter((a) => a.ok && a.startedAt >= fault.landedAt).sort((a, b) => a.endedAt - b.endedAt)[0];
  const faultAt = fault.landedAt;
  return {
    failed: failures.length,
    failureWindowMs: failures.length ? Math.max(...failures.map((f) => f.endedAt)) - Math.min(...failures.map((f) => f.startedAt)) : 0,
    firstSuccessAfterMs: firstOk ? firstOk.endedAt - faultAt : undefined,
  };
}

/**
 * The failed requests from the fault's injection on, grouped by node and error, with when each kind first
 * and last came (relative to the fault having landed): what tells a slow failover caused by the cluster
 * from one caused by the client.
 */
export function failureBreakdown(attempts: IssuanceAttempt[], fault: FaultTimes, nodeOf: (endpoint: string) => string): string[] {
  const at = fault.landedAt;
  const groups = new Map<string, { count: number; first: number; last: number }>();
  for (const a of attempts) {
    if (a.ok || a.endedAt < fault.injectedAt) continue;
    const key = `${nodeOf(a.endpoint)}: ${a.error ?? 'failed'}`;
    const g = groups.get(key) ?? { count: 0, first: a.startedAt - at, last: a.endedAt - at };
    g.count++;
    g.first = Math.min(g.first, a.startedAt - at);
    g.last = Math.max(g.last, a.endedAt - at);
    groups.set(key, g);
  }
  return [...groups].sort((a, b) => a[1].first - b[1].first).map(([k, g]) => `${g.count} × ${k} (from ${offset(g.first)} to ${offset(g.last)})`);
}

/** A time relative to a fault, signed: "+120 ms", "-6 ms". */
export function offset(ms: number): string {
  return `${ms < 0 ? '-' : '+'}${Math.abs(ms)} ms`;
}
