// The one place that names every image the lab runs, with its official reference and pinned version.
import { KUBERNETES_IMAGES } from './kubernetes.ts';

// `certlab images pull` pulls these references; `certlab images build` builds each one from source with
// scripts/images/<build>.sh and tags it with exactly this reference, so nothing else in the lab can tell.

export type ImageGroup = 'core' | 'kubernetes';

export interface ImageSpec {
  /** Short name the lab uses for this image. */
  key: string;
  /** The official reference, tag included; local builds are tagged with exactly this. */
  ref: string;
  version: string;
  /** scripts/images/<build>.sh builds it. */
  build: string;
  group: ImageGroup;
  /** Main binary's path inside the official image; local builds put it at the same path. */
  binary?: string;
  /** Images that must exist before this one builds (keys). */
  needs?: string[];
}

const OPENBAO_VERSION = '2.4.0';
const VAULT_VERSION = '1.21.4';
const PEBBLE_VERSION = '2.10.1';
const COREDNS_VERSION = '1.14.7';
const BIND_VERSION = '9.18';
const HAPROXY_VERSION = '2.6';

export const IMAGES: readonly ImageSpec[] = [
  { key: 'debian-base', ref: 'certlab.local/debian:bookworm', version: 'bookworm', build: 'debian-base', group: 'core' },
  { key: 'openbao', ref: `openbao/openbao:${OPENBAO_VERSION}`, version: OPENBAO_VERSION, build: 'openbao', group: 'core', binary: '/bin/bao', needs: ['debian-base'] },
  { key: 'vault', ref: `hashicorp/vault:${VAULT_VERSION}`, version: VAULT_VERSION, build: 'vault', group: 'core', binary: '/bin/vault', needs: ['debian-base'] },
  { key: 'pebble', ref: `ghcr.io/letsencrypt/pebble:${PEBBLE_VERSION}`, version: PEBBLE_VERSION, build: 'pebble', group: 'core', binary: '/app' },
  { key: 'challtestsrv', ref: `ghcr.io/letsencrypt/pebble-challtestsrv:${PEBBLE_VERSION}`, version: PEBBLE_VERSION, build: 'pebble-challtestsrv', group: 'core', binary: '/app' },
  { key: 'coredns', ref: `coredns/coredns:${COREDNS_VERSION}`, version: COREDNS_VERSION, build: 'coredns', group: 'core', binary: '/coredns' },
  { key: 'bind9', ref: `internetsystemsconsortium/bind9:${BIND_VERSION}`, version: BIND_VERSION, build: 'bind9', group: 'core', binary: '/usr/sbin/named', needs: ['debian-base'] },
  { key: 'haproxy', ref: `haproxy:${HAPROXY_VERSION}`, version: HAPROXY_VERSION, build: 'haproxy', group: 'core', binary: '/usr/local/sbin/haproxy', needs: ['debian-base'] },
  ...KUBERNETES_IMAGES,
];

export function imageByKey(key: string): ImageSpec {
  const spec = IMAGES.find((i) => i.key === key);
  if (!spec) throw new Error(`no image named ${key} in lab/images/catalog.ts`);
  return spec;
}
