// The one place that names every image the lab runs, with its official reference and version: the
// pinned defaults, or the versions a configuration chooses (`imageCatalog(configuredVersions(config))`).
import { kubernetesImages } from './kubernetes.ts';
import { BUILDABLE_VERSIONS, configuredVersions, type ImageVersions, type VersionedConfig } from './versions.ts';

// `certlab images pull` pulls these references; `certlab images build` builds each one from source with
// scripts/images/<build>.sh and tags it with exactly this reference, so nothing else in the lab can tell.

export type ImageGroup = 'core' | 'kubernetes';

export interface ImageSpec {
  /** Short name the lab uses for this image. */
  key: string;
  /** The official reference, tag included; local builds are tagged with exactly this. */
  ref: string;
  version: string;
  /** The configured version this image follows (lab/images/versions.ts); none: fixed. */
  versionKey?: keyof ImageVersions;
  /** scripts/images/<build>.sh builds it. */
  build: string;
  /** Whether scripts/images/<build>.sh can build this version: builds are pinned to the defaults. */
  buildable: boolean;
  group: ImageGroup;
  /** Main binary's path inside the official image; local builds put it at the same path. */
  binary?: string;
  /** Images that must exist before this one builds (keys). */
  needs?: string[];
}

/** An image as declared; whether it builds follows from its version. */
export type ImageEntry = Omit<ImageSpec, 'buildable'>;

const COREDNS_VERSION = '1.14.7';
const BIND_VERSION = '9.18';
const HAPROXY_VERSION = '2.6';

function coreImages(v: ImageVersions): ImageEntry[] {
  return [
    { key: 'debian-base', ref: 'certlab.local/debian:bookworm', version: 'bookworm', build: 'debian-base', group: 'core' },
    { key: 'openbao', ref: `openbao/openbao:${v.openbao}`, version: v.openbao, versionKey: 'openbao', build: 'openbao', group: 'core', binary: '/bin/bao', needs: ['debian-base'] },
    { key: 'vault', ref: `hashicorp/vault:${v.vault}`, version: v.vault, versionKey: 'vault', build: 'vault', group: 'core', binary: '/bin/vault', needs: ['debian-base'] },
    { key: 'pebble', ref: `ghcr.io/letsencrypt/pebble:${v.pebble}`, version: v.pebble, versionKey: 'pebble', build: 'pebble', group: 'core', binary: '/app' },
    { key: 'challtestsrv', ref: `ghcr.io/letsencrypt/pebble-challtestsrv:${v.pebble}`, version: v.pebble, versionKey: 'pebble', build: 'pebble-challtestsrv', group: 'core', binary: '/app' },
    { key: 'coredns', ref: `coredns/coredns:${COREDNS_VERSION}`, version: COREDNS_VERSION, build: 'coredns', group: 'core', binary: '/coredns' },
    { key: 'bind9', ref: `internetsystemsconsortium/bind9:${BIND_VERSION}`, version: BIND_VERSION, build: 'bind9', group: 'core', binary: '/usr/sbin/named', needs: ['debian-base'] },
    { key: 'haproxy', ref: `haproxy:${HAPROXY_VERSION}`, version: HAPROXY_VERSION, build: 'haproxy', group: 'core', binary: '/usr/local/sbin/haproxy', needs: ['debian-base'] },
  ];
}

/**
 * Every image at `versions`. An image at a version other than the pinned one cannot be built here, so it
 * needs nothing built first either: it is pulled whole.
 */
export function imageCatalog(versions: ImageVersions = BUILDABLE_VERSIONS): readonly ImageSpec[] {
  return [...coreImages(versions), ...kubernetesImages(versions)].map((entry) => {
    const buildable = !entry.versionKey || versions[entry.versionKey] === BUILDABLE_VERSIONS[entry.versionKey];
    if (buildable) return { ...entry, buildable };
    const { needs: _builtOnly, ...pulledWhole } = entry;
    return { ...pulledWhole, buildable };
  });
}

/** The catalog at the pinned (default) versions. */
export const IMAGES: readonly ImageSpec[] = imageCatalog();

/** The catalog at the versions the configuration chooses. */
export function catalogFor(config: VersionedConfig): readonly ImageSpec[] {
  return imageCatalog(configuredVersions(config));
}

export function imageByKey(key: string, images: readonly ImageSpec[] = IMAGES): ImageSpec {
  const spec = images.find((i) => i.key === key);
  if (!spec) throw new Error(`no image named ${key} in lab/images/catalog.ts`);
  return spec;
}

/** The image `key` at the version the configuration chooses. */
export function configuredImage(config: VersionedConfig, key: string): ImageSpec {
  return imageByKey(key, catalogFor(config));
}
