import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writePublicFile, writeSecretFile } from '../host/files.ts';
import type { LabPaths } from '../paths.ts';
import { createIntermediateCa, createRootCa, createServerCertificate, type KeyedCertificate, type ServerNames } from './authority.ts';
import { importPrivateKeyPem, privateKeyPem, x509 } from './crypto.ts';

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

/**
 * The offline root and its intermediate, made once per lab and kept in the state directory.
 * The root's key stays under `offline-root/`, which no container mounts.
 */
export async function ensureLabPki(paths: LabPaths, organisation: string): Promise<LabPki> {
  const files = pkiFiles(paths);
  if (existsSync(files.rootKey) && existsSync(files.intermediateKey)) {
    return { root: await loadKeyed(files.rootCert, files.rootKey), intermediate: await loadKeyed(files.intermediateCert, files.intermediateKey), files };
  }
  const root = await createRootCa(`CN=${organisation} Offline Root CA, O=${organisation}`, ROOT_YEARS);
  const intermediate = await createIntermediateCa(root, `CN=${organisation} Intermediate CA, O=${organisation}`, INTERMEDIATE_YEARS, 1);
  await saveKeyed(root, files.rootCert, files.rootKey);
  await saveKeyed(intermediate, files.intermediateCert, files.intermediateKey);
  await writePublicFile(files.caChain, chainPem([intermediate, root]));
  return { root, intermediate, files };
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
