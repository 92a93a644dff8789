import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { Wait } from 'testcontainers';
import { LoopbackContainer } from './loopback-container.ts';
import type { LabContext } from '../context.ts';
import { LabError, errorText } from '../errors.ts';
import { COMPONENT_LABEL, LAB_LABEL, demuxLogs, docker, ensureVolume, labContainers, labLabels } from './docker.ts';
import { writePublicFile, writeSecretFile } from './files.ts';
import { ALIASES_LABEL, aliasesOf, registerLabNames } from './names.ts';

// Starting one long-lived lab container idempotently: the DNS servers, Pebble, the Vault nodes.

/** Digest of everything a container's behaviour depends on, kept as a label to tell a stale one. */
export const CONFIG_DIGEST_LABEL = 'certlab.config-digest';

export interface ContainerFile {
  path: string;
  content: string;
  /** Mode 0600 (it holds a key or secret) instead of 0644. */
  secret?: boolean;
}

export interface LabContainerSpec {
  name: string;
  component: string;
  image: string;
  aliases: string[];
  entrypoint?: string[];
  command: string[];
  env?: Record<string, string>;
  /** uid:gid to run as instead of the image's user. */
  user?: string;
  /** Host directories (resolved to absolute paths) or, with `volume`, a named volume made with the lab's label. */
  mounts: Array<{ source: string; target: string; mode: 'ro' | 'rw'; volume?: boolean }>;
  /** Container ports to publish on the host; host 0 lets the engine pick. */
  ports: Array<{ container: number; host: number; protocol: 'tcp' | 'udp' }>;
  /** Written only when the container is (re)created, so a running container's files never change under it. */
  files: ContainerFile[];
  /** A line the process logs once it listens; the caller then polls its real readiness signal. */
  readyLog: RegExp;
}

export interface EnsuredContainer {
  id: string;
  /** True when a running container with the same configuration was kept. */
  reused: boolean;
}

async function imageId(ref: string): Promise<string> {
  try {
    return (await (await docker()).getImage(ref).inspect()).Id;
  } catch {
    throw new LabError(`image ${ref} is not on this machine`, 'run `certlab images build` (the lab never pulls from a registry here)');
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function logTail(id: string, lines = 20): Promise<string> {
  const raw = await (await docker()).getContainer(id).logs({ stdout: true, stderr: true, tail: lines, follow: false }).catch(() => Buffer.alloc(0));
  return demuxLogs(raw).trim();
}

/**
 * The container runs with exactly this spec when the call returns: kept when a running one carries the
 * same digest (image, command, files...), replaced otherwise. A container of that name that is not this
 * lab's is an error, never removed.
 */
export async function ensureLabContainer(ctx: LabContext, spec: LabContainerSpec): Promise<EnsuredContainer> {
  const { config } = ctx;
  const d = await docker();
  ctx.signal?.throwIfAborted();
  const digest = sha256(JSON.stringify({
    // v3: containers carry their network aliases as a label and sit on the lab network alone (older ones
    // are replaced once).
    v: 3, image: await imageId(spec.image), entrypoint: spec.entrypoint, command: spec.command, env: spec.env, user: spec.user, aliases: spec.aliases,
    network: config.network.name, mounts: spec.mounts, ports: spec.ports, files: spec.files.map((f) => [f.path, sha256(f.content)]),
  }));

  const existing = await d.getContainer(spec.name).inspect().catch(() => undefined);
  if (existing) {
    if (existing.Config.Labels?.[LAB_LABEL] !== config.name) {
      throw new LabError(`container ${spec.name} exists and is not lab ${config.name}'s`, `remove it or set "name" in certlab.config.json to another lab name`);
    }
    // A paused container is not a running one: it answers nothing (certlab up unpauses it before this).
    const usable = existing.State.Running && !existing.State.Paused;
    if (usable && existing.Config.Labels[CONFIG_DIGEST_LABEL] === digest) {
      await registerLabNames(ctx);
      return { id: existing.Id, reused: true };
    }
    await d.getContainer(existing.Id).remove({ force: true, v: true });
  }

  for (const f of spec.files) await (f.secret ? writeSecretFile(f.path, f.content) : writePublicFile(f.path, f.content));
  for (const m of spec.mounts) if (m.volume) await ensureVolume(config.name, spec.component, m.source);

  let container = new LoopbackContainer(spec.image)
    .withName(spec.name)
    .withLabels({ ...labLabels(config.name, spec.component), [CONFIG_DIGEST_LABEL]: digest, [ALIASES_LABEL]: spec.aliases.join(',') })
    .withLabNetwork(config.network.name, spec.aliases)
    .withCommand(spec.command)
    .withEnvironment(spec.env ?? {})
    .withBindMounts(spec.mounts.map(({ source, target, mode, volume }) => ({ source: volume ? source : resolve(source), target, mode })))
    .withExposedPorts(...spec.ports.map((p) => (p.host ? p : (`${p.container}/${p.protocol}` as const))))
    .withWaitStrategy(Wait.forLogMessage(spec.readyLog))
    .withStartupTimeout(60_000);
  if (spec.entrypoint) container = container.withEntrypoint(spec.entrypoint);
  if (spec.user) container = container.withUser(spec.user);
  // Nothing new is made once the command is interrupted: its cleanup has taken (or is taking) inventory.
  ctx.signal?.throwIfAborted();
  try {
    const id = (await container.start()).getId();
    await registerLabNames(ctx);
    return { id, reused: false };
  } catch (err) {
    const failed = await d.getContainer(spec.name).inspect().catch(() => undefined);
    const logs = failed ? await logTail(failed.Id) : '';
    throw new Error(`${spec.name} did not start: ${errorText(err)}${logs ? `\n--- last log lines ---\n${logs}` : ''}`);
  }
}

/** Running state of a lab container by name, undefined when it does not exist. */
export async function containerRunning(name: string): Promise<boolean | undefined> {
  const info = await (await docker()).getContainer(name).inspect().catch(() => undefined);
  return info ? info.State.Running : undefined;
}

export async function removeComponentContainers(ctx: Pick<LabContext, 'config' | 'paths'>, components: string[]): Promise<void> {
  const d = await docker();
  for (const component of components) {
    for (const c of await labContainers(ctx.config.name, component)) await d.getContainer(c.Id).remove({ force: true, v: true });
  }
  await registerLabNames(ctx);
}

/** What keeps a lab container from serving: each is undone by `repairLabContainers` (and `certlab up`). */
export interface ContainerProblem {
  container: string;
  component: string;
  problem: 'paused' | 'stopped' | 'off the network';
}

/** Every lab container that is paused, stopped, or no longer on the lab network. */
export async function labContainerProblems(lab: string, network: string): Promise<ContainerProblem[]> {
  const out: ContainerProblem[] = [];
  for (const c of await labContainers(lab)) {
    const base = { container: c.Names[0]?.replace(/^\//, '') ?? c.Id, component: c.Labels[COMPONENT_LABEL] ?? '?' };
    if (c.State === 'paused') out.push({ ...base, problem: 'paused' });
    else if (c.State !== 'running') out.push({ ...base, problem: 'stopped' });
    else if (!(network in (c.NetworkSettings?.Networks ?? {}))) out.push({ ...base, problem: 'off the network' });
  }
  return out;
}

/**
 * Puts one lab container back as it was: unpaused, started, or reconnected to the lab network with the
 * aliases its label keeps. Safe to call when it is already back. Its names then follow the address it came
 * back with (it may be another). Used by repairs and by the faults' undo alike.
 */
export async function bringBack(ctx: Pick<LabContext, 'config' | 'paths'>, container: string, problem: ContainerProblem['problem']): Promise<void> {
  const d = await docker();
  const c = d.getContainer(container);
  const info = await c.inspect();
  const network = ctx.config.network.name;
  if (problem === 'paused') {
    if (info.State.Paused) await c.unpause();
  } else if (problem === 'stopped') {
    if (!info.State.Running) await c.start();
  } else if (!(network in (info.NetworkSettings.Networks ?? {}))) {
    await d.getNetwork(network).connect({ Container: container, EndpointConfig: { Aliases: aliasesOf(info.Config.Labels) } });
  }
  await registerLabNames(ctx);
}

/**
 * Puts degraded lab containers back as they were (see bringBack). Returns one line per repair. What the
 * component needs beyond that (Raft voters healthy again) is its own `heal`.
 */
export async function repairLabContainers(ctx: LabContext): Promise<string[]> {
  const done: string[] = [];
  for (const p of await labContainerProblems(ctx.config.name, ctx.config.network.name)) {
    await bringBack(ctx, p.container, p.problem);
    done.push(`${p.container}: was ${p.problem}, ${p.problem === 'paused' ? 'unpaused' : p.problem === 'stopped' ? 'started' : 'reconnected'}`);
  }
  return done;
}
