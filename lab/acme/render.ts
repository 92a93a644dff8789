import { renderFixture } from '../fixtures.ts';

/** Pebble's configuration; the paths are inside the container, where the ACME directory is mounted. */
export function renderPebbleConfig(certificate: string, privateKey: string): Promise<string> {
  return renderFixture('acme/pebble-config.json', { certificate, privateKey });
}
