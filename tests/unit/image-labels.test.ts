import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lab/config/load.ts';

// `certlab.lab=<name>` is how a lab finds what it owns (lab/host/docker.ts), and a container inherits its
// image's labels: an image build that labelled its images `certlab.lab=image` handed every container made
// from them (kind's nodes among them) to a lab named "image".
describe('image labels', () => {
  const dir = 'scripts/images';
  const scripts = readdirSync(dir).filter((f) => f.endsWith('.sh'));

  it('no image build script sets a certlab.lab label', () => {
    expect(scripts.length).toBeGreaterThan(10);
    for (const f of scripts) {
      const code = readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => !l.trim().startsWith('#')).join('\n');
      expect(code, f).not.toMatch(/certlab\.lab\b/);
    }
  });

  it('local builds are told apart by certlab.image.source=local', () => {
    const lib = readFileSync(join(dir, 'lib.sh'), 'utf8');
    expect(lib).toMatch(/build_image\(\) \{ docker build -q --force-rm --label certlab\.image\.source=local /);
    for (const f of ['kind-node.sh', 'debian-base.sh']) expect(readFileSync(join(dir, f), 'utf8'), f).toContain("LABEL certlab.image.source=local'");
  });

  it('"image" is an ordinary lab name', () => {
    expect(parseConfig({ name: 'image' }, 'test').name).toBe('image');
  });
});
