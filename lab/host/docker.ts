import './testcontainers-env.ts';
import { createServer } from 'node:net';
import Dockerode from 'dockerode';
import { getContainerRuntimeClient } from 'testcontainers';
import { LabError, errorText } from '../errors.ts';

/** Every resource the lab makes carries this label, valued with the lab's name. */
export const LAB_LABEL = 'certlab.lab';
export const COMPONENT_LABEL = 'certlab.component';

export function labLabels(lab: string, component: string): Record<string, string> {
  return { [LAB_LABEL]: lab, [COMPONENT_LABEL]: component };
}

let cached: Dockerode | undefined;

/** The engine's API through testcontainers' runtime client; a clear error when no engine answers. */
export async function docker(): Promise<Dockerode> {
  if (cached) return cached;
  await assertDockerHostAnswers();
  try {
    const client = await getContainerRuntimeClient();
    cached = client.container.dockerode;
    return cached;
  } catch (err) {
    throw new LabError(
      `no container engine reachable (${errorText(err).split('\n')[0]})`,
      'start Docker or Podman, set DOCKER_HOST, or run `bash scripts/host/prepare.sh` (installs and starts Docker on Debian)',
    );
  }
}

/**
 * testcontainers moves on to the default socket when DOCKER_HOST does not answer; a user who set
 * DOCKER_HOST meant that engine, so the lab says so instead of quietly using another one.
 */
async function assertDockerHostAnswers(): Promise<void> {
  const host = process.env.DOCKER_HOST;
  if (!host) return;
  try {
    await new Dockerode().ping();
  } catch (err) {
    throw new LabError(`no container engine reachable at DOCKER_HOST=${host} (${errorText(err).split('\n')[0]})`, 'start that engine, or unset DOCKER_HOST to use the local one');
  }
}

export async function imageExists(ref: string): Promise<boolean> {
  const d = await docker();
  try {
    await d.getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

/** The lab's own network of that name, if any; a network of that name that is not the lab's is an error. */
export async function labNetwork(lab: string, name: string): Promise<Dockerode.NetworkInspectInfo | undefined> {
  const existing = await (await docker()).listNetworks({ filters: { name: [name] } });
  const same = existing.find((n) => n.Name === name);
  if (same && same.Labels?.[LAB_LABEL] !== lab) {
    throw new LabError(`network "${name}" already exists and is not lab ${lab}'s`, 'set network.name in certlab.config.json to another name, or remove that network');
  }
  return same;
}

/** The lab's network, created with its label and subnet. */
export async function ensureNetwork(lab: string, name: string, subnet: string): Promise<Dockerode.NetworkInspectInfo> {
  const d = await docker();
  const same = await labNetwork(lab, name);
  if (same) return d.getNetwork(same.Id).inspect();
  try {
    const created = await d.createNetwork({
      Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: labLabels(lab, 'network'),
      IPAM: { Driver: 'default', Config: [{ Subnet: subnet }] },
    });
    return created.inspect();
  } catch (err) {
    const text = errorText(err);
    if (/overlap/i.test(text)) {
      throw new LabError(`subnet ${subnet} (network.subnet) overlaps a network that already exists`, 'set network.subnet in certlab.config.json to a free range, e.g. 172.30.0.0/24');
    }
    throw err;
  }
}

export async function ensureVolume(lab: string, component: string, name: string): Promise<string> {
  const d = await docker();
  try {
    await d.getVolume(name).inspect();
  } catch {
    await d.createVolume({ Name: name, Labels: labLabels(lab, component) });
  }
  return name;
}

/**
 * The filter for a lab's containers. A container inherits its image's labels, and images built before
 * the build scripts stopped labelling them `certlab.lab=image` still carry that label (so would every
 * container made from them, kind's nodes among them): only a container that also has the component
 * label, which the lab sets on everything it makes, is the lab's.
 */
function containerFilter(lab: string, component?: string): string[] {
  return [`${LAB_LABEL}=${lab}`, component ? `${COMPONENT_LABEL}=${component}` : COMPONENT_LABEL];
}

export async function labContainers(lab: string, component?: string): Promise<Dockerode.ContainerInfo[]> {
  const d = await docker();
  return d.listContainers({ all: true, filters: { label: containerFilter(lab, component) } });
}

/** Removes every container, network and volume labelled with the lab's name, whatever state they are in. */
export async function removeLabResources(lab: string): Promise<{ containers: number; networks: number; volumes: number }> {
  const d = await docker();
  const filter = { label: [`${LAB_LABEL}=${lab}`] };
  const containers = await d.listContainers({ all: true, filters: { label: containerFilter(lab) } });
  await Promise.all(containers.map((c) => d.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  const networks = await d.listNetworks({ filters: filter });
  for (const n of networks) await d.getNetwork(n.Id).remove().catch(() => undefined);
  const { Volumes: volumes = [] } = await d.listVolumes({ filters: filter });
  for (const v of volumes) await d.getVolume(v.Name).remove({ force: true }).catch(() => undefined);
  return { containers: containers.length, networks: networks.length, volumes: volumes.length };
}

/** Fails with the config key to change when a host port the lab publishes is already taken. */
export async function assertPortsFree(ports: Array<{ key: string; port: number }>): Promise<void> {
  for (const { key, port } of ports) {
    if (port === 0) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
    });
    if (!free) throw new LabError(`port ${port} (${key}) is already in use on 127.0.0.1`, `stop what holds it or set ${key} in certlab.config.json to a free port (0 lets the engine pick)`);
  }
}

export async function containerIp(id: string, network: string): Promise<string> {
  const info = await (await docker()).getContainer(id).inspect();
  const ip = info.NetworkSettings.Networks[network]?.IPAddress;
  if (!ip) throw new Error(`container ${info.Name} has no address on network ${network}`);
  return ip;
}

/** The host port a running container publishes for `containerPort`, or undefined when it is not running. */
export async function publishedPort(container: string, containerPort: number, protocol: 'tcp' | 'udp' = 'tcp'): Promise<number | undefined> {
  try {
    const info = await (await docker()).getContainer(container).inspect();
    const binding = info.NetworkSettings.Ports?.[`${containerPort}/${protocol}`]?.[0];
    return info.State.Running && binding ? Number(binding.HostPort) : undefined;
  } catch {
    return undefined;
  }
}

/** Container logs without a TTY come framed: an 8-byte header (stream, length) before every chunk. */
export function demuxLogs(raw: Buffer): string {
  let out = '';
  for (let at = 0; at + 8 <= raw.length; at += 8 + raw.readUInt32BE(at + 4)) out += raw.subarray(at + 8, at + 8 + raw.readUInt32BE(at + 4)).toString('utf8');
  return out;
}
