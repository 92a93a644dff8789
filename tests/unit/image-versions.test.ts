import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lab/config/load.ts';
import { LabError } from '../../lab/errors.ts';
import { IMAGES, catalogFor, configuredImage, imageByKey } from '../../lab/images/catalog.ts';
import { probeRegistry, registryOf } from '../../lab/images/registry.ts';
import { describeSupply, withDependencies } from '../../lab/images/supply.ts';
import { closedPort } from '../helpers/net.ts';

describe('image versions in the configuration', () => {
  it('defaults to exactly the versions that build here', () => {
    const c = parseConfig({}, 'defaults');
    expect(c.versions).toEqual({ kubernetes: 'v1.34.4', certManager: 'v1.11.5', pebble: '2.10.1', traefik: 'v3.5.3' });
    expect(c.vault.version).toBe('2.4.0');
    expect(parseConfig({ vault: { flavor: 'vault' } }, 'test').vault.version).toBe('1.21.4');
    expect(catalogFor(c)).toEqual(IMAGES);
    expect(IMAGES.every((i) => i.buildable)).toBe(true);
    expect(imageByKey('kind-node').ref).toBe('docker.io/kindest/node:v1.34.4');
    expect(imageByKey('pebble').ref).toBe('ghcr.io/letsencrypt/pebble:2.10.1');
  });

  it('image references follow the configured versions; those are pulled whole, not built', () => {
    const c = parseConfig({ vault: { flavor: 'vault', version: '1.20.0' }, versions: { kubernetes: 'v1.33.1', certManager: 'v1.21.2', pebble: '2.9.0', traefik: 'v3.6.0' } }, 'test');
    const ref = (key: string) => configuredImage(c, key).ref;
    expect(ref('kind-node')).toBe('docker.io/kindest/node:v1.33.1');
    expect(ref('cert-manager-webhook')).toBe('quay.io/jetstack/cert-manager-webhook:v1.21.2');
    expect(ref('challtestsrv')).toBe('ghcr.io/letsencrypt/pebble-challtestsrv:2.9.0');
    expect(ref('traefik')).toBe('docker.io/library/traefik:v3.6.0');
    expect(ref('vault')).toBe('hashicorp/vault:1.20.0');
    // The flavour not configured keeps its default; fixed images stay as they are.
    expect(ref('openbao')).toBe('openbao/openbao:2.4.0');
    expect(ref('coredns')).toBe('coredns/coredns:1.14.7');
    expect(configuredImage(c, 'kind-node')).toMatchObject({ buildable: false, versionKey: 'kubernetes' });
    expect(configuredImage(c, 'kind-node').needs).toBeUndefined();
    expect(withDependencies(['kind-node'], catalogFor(c)).map((i) => i.key)).toEqual(['kind-node']);
    expect(withDependencies(['kind-node']).length).toBeGreaterThan(10);
  });

  it.each([
    [{ versions: { kubernetes: '1.34.4' } }, /versions\.kubernetes must be a release such as v1\.34\.4/],
    [{ versions: { pebble: 'latest' } }, /versions\.pebble must be a release such as 2\.10\.1/],
    [{ versions: { traefik: 'v2.11.0' } }, /versions\.traefik must be a Traefik v3 release/],
    [{ versions: { certManager: 'v2.0.0' } }, /versions\.certManager must be a cert-manager release/],
    [{ vault: { version: 'v2.4.0' } }, /vault\.version must be a release such as 2\.4\.0/],
    [{ versions: { helm: 'v3.19.0' } }, /unknown key versions\.helm/],
  ])('refuses %j in one line naming the key', (raw, pattern) => {
    const err = (() => { try { parseConfig(raw, 'certlab.config.json'); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).line).toMatch(pattern);
  });
});

describe('registry probe', () => {
  it.each([
    ['openbao/openbao:2.4.0', 'docker.io'],
    ['haproxy:2.6', 'docker.io'],
    ['docker.io/kindest/node:v1.34.4', 'docker.io'],
    ['ghcr.io/letsencrypt/pebble:2.10.1', 'ghcr.io'],
    ['registry.k8s.io/coredns/coredns:v1.12.1', 'registry.k8s.io'],
    ['localhost/x:1', 'localhost'],
    ['127.0.0.1:5000/x/y:1', '127.0.0.1:5000'],
  ])('%s comes from %s', (ref, registry) => {
    expect(registryOf(ref)).toBe(registry);
  });

  it('a closed local port is unreachable at once, and asked only once per process', async () => {
    const registry = `127.0.0.1:${await closedPort()}`;
    const t0 = performance.now();
    const probe = await probeRegistry(registry);
    expect(performance.now() - t0).toBeLessThan(3_000);
    expect(probe).toMatchObject({ registry, reachable: false });
    expect(probe.reason).toMatch(/ECONNREFUSED/);
    expect(probeRegistry(registry)).toBe(probeRegistry(registry));
  });

  it('CERTLAB_REGISTRY_PROBE: offline says no without a packet, off says yes', async () => {
    expect(await probeRegistry('ghcr.io', { CERTLAB_REGISTRY_PROBE: 'offline' })).toMatchObject({ reachable: false, reason: 'CERTLAB_REGISTRY_PROBE=offline' });
    expect(await probeRegistry('ghcr.io', { CERTLAB_REGISTRY_PROBE: 'off' })).toMatchObject({ reachable: true });
  });
});

describe('where an image came from', () => {
  const spec = imageByKey('pebble');
  it.each([
    [{ spec, outcome: 'present' as const, seconds: 0 }, 'present, reused'],
    [{ spec, outcome: 'pulled' as const, seconds: 3.14, registry: 'ghcr.io' }, 'pulled from ghcr.io in 3.1 s'],
    [{ spec, outcome: 'built' as const, seconds: 42 }, 'built from source in 42.0 s'],
    [{ spec, outcome: 'built' as const, seconds: 42, pullFailure: 'pull failed: registry ghcr.io not reachable (x)' }, 'pull failed: registry ghcr.io not reachable (x) → built from source in 42.0 s'],
  ])('%j', (result, line) => {
    expect(describeSupply(result)).toBe(line);
  });
});
