// Whether an image's registry can be reached from here, asked once per registry per process with a short
// timeout. Without it, a pull on a machine with no route out waits for the engine's own timeouts (minutes
// per image) before the build it falls through to can start.
import { connect as tcpConnect, type Socket } from 'node:net';

/** How long the probe waits for a registry to answer; CERTLAB_REGISTRY_PROBE_TIMEOUT_MS overrides it. */
export const REGISTRY_PROBE_TIMEOUT_MS = 3_000;

export interface RegistryProbe {
  /** The registry as references name it (docker.io for Docker Hub). */
  registry: string;
  reachable: boolean;
  /** Why it is not, e.g. `connect ECONNREFUSED 127.0.0.1:1` or `no answer within 3 s`. */
  reason?: string;
}

/**
 * The registry of an image reference, as Docker reads it: the first path component when it looks like a
 * host (has a dot or a port, or is localhost), else Docker Hub.
 */
export function registryOf(ref: string): string {
  const first = ref.split('/')[0]!;
  return ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

/** Host and port the probe connects to: Docker Hub's API host, the reference's port, or HTTPS. */
function endpoint(registry: string): { host: string; port: number } {
  if (registry === 'docker.io') return { host: 'registry-1.docker.io', port: 443 };
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(registry);
  return { host: (m?.[1] ?? registry).replace(/^\[|\]$/g, ''), port: m?.[2] ? Number(m[2]) : 443 };
}

function probeTimeoutMs(env: NodeJS.ProcessEnv): number {
  const value = Number(env.CERTLAB_REGISTRY_PROBE_TIMEOUT_MS);
  return Number.isFinite(value) && value > 0 ? value : REGISTRY_PROBE_TIMEOUT_MS;
}

function answers(registry: string, timeoutMs: number): Promise<RegistryProbe> {
  const { host, port } = endpoint(registry);
  return new Promise((resolve) => {
    let socket: Socket | undefined;
    const done = (reason?: string) => {
      clearTimeout(timer);
      socket?.destroy();
      resolve(reason ? { registry, reachable: false, reason } : { registry, reachable: true });
    };
    const timer = setTimeout(() => done(`no answer from ${host}:${port} within ${timeoutMs / 1000} s`), timeoutMs);
    // Only reachability is asked, so a TCP connection is the answer: no TLS handshake here, whose
    // certificate the engine verifies when it pulls.
    socket = tcpConnect({ host, port }, () => done());
    socket.on('error', (err) => done(err.message));
  });
}

const probes = new Map<string, Promise<RegistryProbe>>();

/**
 * Whether `registry` answers, asked once per process. CERTLAB_REGISTRY_PROBE=off skips the question (every
 * pull is tried): for an engine that reaches registries through a proxy or mirror this process cannot see.
 * CERTLAB_REGISTRY_PROBE=offline answers "no" for every registry without a packet sent: an air-gapped
 * machine, and the tests, which must not reach out.
 */
export function probeRegistry(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<RegistryProbe> {
  if (env.CERTLAB_REGISTRY_PROBE === 'off') return Promise.resolve({ registry, reachable: true });
  if (env.CERTLAB_REGISTRY_PROBE === 'offline') return Promise.resolve({ registry, reachable: false, reason: 'CERTLAB_REGISTRY_PROBE=offline' });
  let probe = probes.get(registry);
  if (!probe) {
    probe = answers(registry, probeTimeoutMs(env));
    probes.set(registry, probe);
  }
  return probe;
}
