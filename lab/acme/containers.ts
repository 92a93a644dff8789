import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabContext } from '../context.ts';
import { ensureLabContainer, type EnsuredContainer } from '../host/lab-container.ts';
import { configuredImage } from '../images/catalog.ts';
import { ensureLabPki, writeServerTls } from '../pki/lab-pki.ts';
import { ACME_PORT, CHALLTESTSRV_MANAGEMENT_PORT, MANAGEMENT_PORT, type AcmeLayout } from './layout.ts';
import { renderPebbleConfig } from './render.ts';

const MOUNT = '/certlab';

/** Pebble's HTTPS certificate from the lab intermediate, made when missing; returns the files Pebble reads. */
async function pebbleTls(ctx: LabContext, layout: AcmeLayout): Promise<{ bundle: string; key: string }> {
  const files = { bundle: join(layout.dir, 'bundle.pem'), key: join(layout.dir, 'pebble-key.pem') };
  if (!existsSync(files.bundle) || !existsSync(files.key)) {
    const pki = await ensureLabPki(ctx.paths, 'certlab');
    await writeServerTls(pki, layout.dir, 'pebble', layout.tlsNames.dns[0]!, layout.tlsNames);
  }
  return files;
}

/**
 * Pebble validating DNS-01 through the lab's CoreDNS. The image's own entrypoint is Pebble (/app in the
 * release image). No sleep before validations, no random nonce rejections, every challenge really checked.
 */
export async function startPebble(ctx: LabContext, layout: AcmeLayout, corednsIp: string): Promise<EnsuredContainer> {
  const tls = await pebbleTls(ctx, layout);
  const inMount = (file: string) => `${MOUNT}/${file.slice(layout.dir.length + 1)}`;
  return ensureLabContainer(ctx, {
    name: layout.pebble.container,
    component: layout.pebble.component,
    image: configuredImage(ctx.config, 'pebble').ref,
    aliases: layout.pebble.aliases,
    command: ['-config', `${MOUNT}/pebble-config.json`, '-dnsserver', `${corednsIp}:53`],
    env: { PEBBLE_VA_NOSLEEP: '1', PEBBLE_VA_ALWAYS_VALID: '0', PEBBLE_WFE_NONCEREJECT: '0' },
    mounts: [{ source: layout.dir, target: MOUNT, mode: 'ro' }],
    ports: [
      { container: ACME_PORT, host: ctx.config.ports.pebble, protocol: 'tcp' },
      { container: MANAGEMENT_PORT, host: ctx.config.ports.pebbleManagement, protocol: 'tcp' },
    ],
    files: [
      { path: join(layout.dir, 'pebble-config.json'), content: await renderPebbleConfig(inMount(tls.bundle), inMount(tls.key)) },
      // Listed so that a new certificate replaces the container; rewritten with the same bytes otherwise.
      { path: tls.bundle, content: await readFile(tls.bundle, 'utf8') },
      { path: tls.key, content: await readFile(tls.key, 'utf8'), secret: true },
    ],
    readyLog: /ACME directory available/,
  });
}

/**
 * pebble-challtestsrv, which the design includes for HTTP-01/TLS-ALPN-01 experiments; DNS-01 does not go
 * through it. It needs one challenge server to start: its mock DNS on 8053 inside the lab network, which
 * nothing is pointed at. Only its management API is published.
 */
export async function startChalltestsrv(ctx: LabContext, layout: AcmeLayout): Promise<EnsuredContainer> {
  return ensureLabContainer(ctx, {
    name: layout.challtestsrv.container,
    component: layout.challtestsrv.component,
    image: configuredImage(ctx.config, 'challtestsrv').ref,
    aliases: layout.challtestsrv.aliases,
    command: ['-management', `:${CHALLTESTSRV_MANAGEMENT_PORT}`, '-dnsserver', ':8053', '-doh', '', '-http01', '', '-https01', '', '-tlsalpn01', ''],
    mounts: [],
    ports: [{ container: CHALLTESTSRV_MANAGEMENT_PORT, host: 0, protocol: 'tcp' }],
    files: [],
    readyLog: /Starting management server/,
  });
}
