import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { LabError } from '../errors.ts';
import { writePublicFile, writeSecretFile } from '../host/files.ts';
import type { LabPaths } from '../paths.ts';
import { createIntermediateCa, createRootCa, createServerCertificate, type KeyedCertificate, type ServerNames } from './authority.ts';
import { ecdsaAlgorithm, importPrivateKeyPem, privateKeyPem, subtle, x509 } from './crypto.ts';

export const ROOT_YEARS = 10;
export const INTERMEDIATE_YEARS = 5;

/** File layout of the lab PKI, as in the article's `.tls/` directory. */
export interface PkiFiles {
  rootCert: string;
  rootKey: string;
  intermediateCert: string;
  intermediateKey: string;
  caChain: string;
}

export function pkiFiles(paths: LabPaths): PkiFiles {
  return {
    rootCert: join(paths.offlineRoot, 'root-ca.pem'),
    rootKey: join(paths.offlineRoot, 'root-ca-key.pem'),
    intermediateCert: join(paths.pki, 'intermediate-ca.pem'),
    intermediateKey: join(paths.pki, 'intermediate-ca-key.pem'),
    caChain: join(paths.pki, 'ca-chain.pem'),
  };
}

export interface LabPki {
  root: KeyedCertificate;
  intermediate: KeyedCertificate;
  files: PkiFiles;
}

async function loadKeyed(certPath: string, keyPath: string): Promise<KeyedCertificate> {
  const cert = new x509.X509Certificate(await readFile(certPath, 'utf8'));
  const privateKey = await importPrivateKeyPem(await readFile(keyPath, 'utf8'), 'P-384');
  return { cert, keys: { privateKey, publicKey: await cert.publicKey.export() }, curve: 'P-384' };
}

async function saveKeyed(kc: KeyedCertificate, certPath: string, keyPath: string): Promise<void> {
  await writeSecretFile(keyPath, await privateKeyPem(kc.keys.privateKey));
  await writePublicFile(certPath, kc.cert.toString('pem') + '\n');
}

function shown(paths: LabPaths, file: string): string {
  return relative(paths.root, file) || file;
}

/** The key belongs to the certificate (a signature made with one verifies with the other). */
async function keyMatches(kc: KeyedCertificate): Promise<boolean> {
  const data = randomBytes(32);
  const signature = await subtle.sign(ecdsaAlgorithm(kc.curve), kc.keys.privateKey, data);
  return subtle.verify(ecdsaAlgorithm(kc.curve), kc.keys.publicKey, signature, data);
}

async function loadRoot(paths: LabPaths, files: PkiFiles): Promise<KeyedCertificate> {
  const root = await loadKeyed(files.rootCert, files.rootKey);
  if (!(await keyMatches(root))) {
    throw new LabError(`${shown(paths, files.rootKey)} is not the key of ${shown(paths, files.rootCert)}`, 'restore the offline root\'s certificate and key from the same backup');
  }
  return root;
}

async function loadIntermediate(paths: LabPaths, files: PkiFiles, root: KeyedCertificate): Promise<KeyedCertificate> {
  const intermediate = await loadKeyed(files.intermediateCert, files.intermediateKey);
  if (!(await keyMatches(intermediate)) || !(await intermediate.cert.verify({ publicKey: root.cert.publicKey, signatureOnly: true }))) {
    throw new LabError(`${shown(paths, files.intermediateCert)} is not an intermediate of the offline root with its key`, `delete ${shown(paths, files.intermediateCert)} and ${shown(paths, files.intermediateKey)} so the next \`certlab up\` re-issues it from the root`);
  }
  return intermediate;
}

/**
 * The offline root's two files: both present, both absent, or an error. Half a root is never completed
 * or replaced: a new root would silently break every chain issued under the old one.
 */
function rootPresence(paths: LabPaths, files: PkiFiles): 'present' | 'absent' {
  const cert = existsSync(files.rootCert);
  const key = existsSync(files.rootKey);
  if (cert && key) return 'present';
  if (!cert && !key) return 'absent';
  const [missing, present] = cert ? [files.rootKey, files.rootCert] : [files.rootCert, files.rootKey];
  throw new LabError(`the offline root is incomplete: ${shown(paths, missing)} is missing while ${shown(paths, present)} exists`, `restore ${shown(paths, missing)} from the root's backup (the lab never replaces an existing root)`);
}

async function issueIntermediate(root: KeyedCertificate, files: PkiFiles, organisation: string): Promise<KeyedCertificate> {
  const intermediate = await createIntermediateCa(root, `CN=${organisation} Intermediate CA, O=${organisation}`, INTERMEDIATE_YEARS, 1);
  await saveKeyed(intermediate, files.intermediateCert, files.intermediateKey);
  await writePublicFile(files.caChain, chainPem([intermediate, root]));
  return intermediate;
}

/**
 * The offline root and its intermediate, kept in the state directory. The root is made once, on the
 * first run, and never replaced: with the root in place and the intermediate missing, the intermediate
 * is re-issued from that root; half a root (certificate without key or the other way round), or an
 * intermediate without its root, is an error to fix by hand. The root's key stays under `offline-root/`,
 * which no container mounts.
 */
export async function ensureLabPki(paths: LabPaths, organisation: string): Promise<LabPki> {
  const files = pkiFiles(paths);
  if (rootPresence(paths, files) === 'present') {
    const root = await loadRoot(paths, files);
    const intermediate = existsSync(files.intermediateCert) && existsSync(files.intermediateKey)
      ? await loadIntermediate(paths, files, root)
      : await issueIntermediate(root, files, organisation);
    return { root, intermediate, files };
  }
  const orphan = [files.intermediateCert, files.intermediateKey].find((f) => existsSync(f));
  if (orphan) {
    throw new LabError(`the offline root (${shown(paths, files.rootCert)}) is missing but its intermediate ${shown(paths, orphan)} exists`,
      `restore ${shown(paths, paths.offlineRoot)}/ from its backup; to start a new PKI instead, run \`certlab down --purge\``);
  }
  const root = await createRootCa(`CN=${organisation} Offline Root CA, O=${organisation}`, ROOT_YEARS);
  await saveKeyed(root, files.rootCert, files.rootKey);
  return { root, intermediate: await issueIntermediate(root, files, organisation), files };
}

/**
 * The lab PKI as it is on disk, for commands that only read (`status`, scenarios): never writes a file,
 * and says what is missing instead of making it.
 */
export async function loadLabPki(paths: LabPaths): Promise<LabPki> {
  const files = pkiFiles(paths);
  const missing = [files.rootCert, files.rootKey, files.intermediateCert, files.intermediateKey].filter((f) => !existsSync(f));
  if (missing.length) {
    rootPresence(paths, files);
    throw new LabError(`the lab PKI is incomplete: ${missing.map((f) => shown(paths, f)).join(', ')} missing`, 'run `certlab up` to create or re-issue what is missing');
  }
  const root = await loadRoot(paths, files);
  return { root, intermediate: await loadIntermediate(paths, files, root), files };
}

/** Signs a new intermediate with the offline root, e.g. for rotation; the root key is read, never copied. */
export async function signNewIntermediate(pki: LabPki, subject: string): Promise<KeyedCertificate> {
  return createIntermediateCa(pki.root, subject, INTERMEDIATE_YEARS, 1);
}

export function chainPem(certs: KeyedCertificate[]): string {
  return certs.map((c) => c.cert.toString('pem')).join('\n') + '\n';
}

export interface ServerTlsFiles {
  cert: string;
  key: string;
  bundle: string;
  caChain: string;
  rootCert: string;
}

/**
 * A server certificate from the intermediate, written under `dir` (a directory that is mounted into
 * containers): cert, key, bundle.pem (cert + intermediate, what the server presents), ca-chain.pem and
 * the root certificate for clients.
 */
export async function writeServerTls(pki: LabPki, dir: string, baseName: string, commonName: string, names: ServerNames): Promise<ServerTlsFiles> {
  const server = await createServerCertificate(pki.intermediate, commonName, names, 365);
  const out: ServerTlsFiles = {
    cert: join(dir, `${baseName}.pem`),
    key: join(dir, `${baseName}-key.pem`),
    bundle: join(dir, 'bundle.pem'),
    caChain: join(dir, 'ca-chain.pem'),
    rootCert: join(dir, 'root-ca.pem'),
  };
  await writeSecretFile(out.key, await privateKeyPem(server.keys.privateKey));
  await writePublicFile(out.cert, server.cert.toString('pem') + '\n');
  await writePublicFile(out.bundle, chainPem([server, pki.intermediate]));
  await writePublicFile(out.caChain, chainPem([pki.intermediate, pki.root]));
  await writePublicFile(out.rootCert, pki.root.cert.toString('pem') + '\n');
  return out;
}
