import { renderFixture } from '../fixtures.ts';

/**
 * Pebble's configuration; the paths are inside the container, where the ACME directory is mounted. Its
 * httpPort is 80, as for Let's Encrypt: HTTP-01 is validated on the public Gateway's HTTP entry, at the
 * address External-DNS publishes for the name.
 */
export function renderPebbleConfig(certificate: string, privateKey: string): Promise<string> {
  return renderFixture('acme/pebble-config.json', { certificate, privateKey });
}
