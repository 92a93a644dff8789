// Images from wherever they are, without a packet leaving the machine: the "registry" is a closed port on
// the loopback, and the "build" a tiny script that tags an image already here (no real build runs).
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabError } from '../../lab/errors.ts';
import { docker, imageExists, labContainers } from '../../lab/host/docker.ts';
import type { ImageSpec } from '../../lab/images/catalog.ts';
import { assertImagesObtainable } from '../../lab/images/preflight.ts';
import { describeSupply, ensureImages, supplyImage } from '../../lab/images/supply.ts';
import { certlab, expectOneClearLine, labDir } from '../helpers/cli.ts';
import { announceSkip, skipReason } from './support.ts';
import { closedPort } from '../helpers/net.ts';

const BASE = 'certlab.local/debian:bookworm';
const reason = skipReason([BASE]);
announceSkip('image supply', reason);

/** A folder with one build script, tiny.sh, that "builds" $IMAGE by tagging the base image. */
function tinyBuilds(): string {
  const dir = mkdtempSync(join(tmpdir(), 'certlab-tiny-builds-'));
  writeFileSync(join(dir, 'tiny.sh'), `#!/usr/bin/env bash\nset -euo pipefail\ndocker tag ${BASE} "$IMAGE"\n`);
  chmodSync(join(dir, 'tiny.sh'), 0o755);
  return dir;
}

describe.skipIf(reason)('images: reuse, else pull, else build, each said', () => {
  const made: string[] = [];
  afterAll(async () => {
    // Only the tags this file made; the base image keeps its own.
    const d = await docker();
    for (const ref of made) await d.getImage(ref).remove().catch(() => undefined);
  });

  async function tinySpec(name: string, over: Partial<ImageSpec> = {}): Promise<ImageSpec> {
    const ref = `127.0.0.1:${await closedPort()}/certlab-test/${name}:1`;
    made.push(ref);
    return { key: name, ref, version: '1', build: 'tiny', buildable: true, group: 'core', ...over };
  }

  it('an unreachable registry falls through to the build in seconds, and says so', async () => {
    const spec = await tinySpec('fallthrough');
    const t0 = performance.now();
    const r = await supplyImage(spec, 'pull-or-build', { scriptsDir: tinyBuilds() });
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(r.outcome).toBe('built');
    expect(await imageExists(spec.ref)).toBe(true);
    expect(describeSupply(r)).toMatch(/^pull failed: registry 127\.0\.0\.1:\d+ not reachable \(connect ECONNREFUSED .*\) → built from source in \d+\.\d s$/);
    // Present now: reused, nothing pulled or built.
    expect(describeSupply(await supplyImage(spec, 'pull-or-build'))).toBe('present, reused');
  });

  it('pull only: fails fast with the reason, builds nothing', async () => {
    const spec = await tinySpec('pullonly');
    const t0 = performance.now();
    const err = await supplyImage(spec, 'pull', { scriptsDir: tinyBuilds() }).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).message).toMatch(/could not be supplied \(pull failed: registry 127\.0\.0\.1:\d+ not reachable/);
    expect(await imageExists(spec.ref)).toBe(false);
  });

  it('a build dependency is supplied only for an image that is built', async () => {
    const need = await tinySpec('need');
    const top = await tinySpec('top', { needs: ['need'] });
    const seen: string[] = [];
    await ensureImages(['top'], 'pull-or-build', { images: [need, top], scriptsDir: tinyBuilds(), onResult: (r) => seen.push(`${r.spec.key} ${r.outcome}`) });
    expect(seen).toEqual(['need built', 'top built']);
  });

  it('a version that can be neither pulled nor built is refused before anything, in one line naming the key', async () => {
    const spec = await tinySpec('pinned', { buildable: false, versionKey: 'pebble', version: '2.9.0' });
    const err = await assertImagesObtainable([spec], 'pull-or-build').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).line).toMatch(/^versions\.pebble 2\.9\.0: image .* can be neither pulled \(registry 127\.0\.0\.1:\d+ not reachable: .*\) nor built \(only 2\.10\.1 builds here\); set versions\.pebble to 2\.10\.1/);
  });

  it('certlab up with such a version exits 1 with one line and makes nothing', async () => {
    const lab = 'cliversion';
    const cwd = labDir({ name: lab, versions: { kubernetes: 'v1.33.1' }, network: { name: lab, subnet: '172.29.74.0/24' } });
    const t0 = performance.now();
    const r = certlab(cwd, ['up'], { CERTLAB_REGISTRY_PROBE: 'offline' });
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(r.status).toBe(1);
    expectOneClearLine(r.stderr, /versions\.kubernetes v1\.33\.1: image docker\.io\/kindest\/node:v1\.33\.1 can be neither pulled .* nor built \(only v1\.34\.4 builds here\); set versions\.kubernetes to v1\.34\.4/);
    expect(await labContainers(lab)).toHaveLength(0);
    const d = await docker();
    expect(await d.listNetworks({ filters: { label: [`certlab.lab=${lab}`] } })).toHaveLength(0);
  });
});
