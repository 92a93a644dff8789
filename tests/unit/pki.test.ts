import { copyFile, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createIntermediateCa, createServerCertificate } from '../../lab/pki/authority.ts';
import { x509 } from '../../lab/pki/crypto.ts';
import { ensureLabPki, loadLabPki, pkiFiles, writeServerTls } from '../../lab/pki/lab-pki.ts';
import { parseCertificates, verifyChain } from '../../lab/pki/verify.ts';
import { LabError } from '../../lab/errors.ts';
import { labPaths, type LabPaths } from '../../lab/paths.ts';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Every file under the lab's state directory with its content, to tell whether a call wrote anything. */
async function stateFiles(paths: LabPaths): Promise<Map<string, string>> {
  const files = await filesUnder(paths.root).catch(() => [] as string[]);
  return new Map(await Promise.all(files.map(async (f) => [f, (await readFile(f)).toString('base64') + (await stat(f)).mtimeMs] as const)));
}

/** A lab state directory holding a copy of `from`'s offline root and nothing else. */
async function copyRootOnly(from: LabPaths, which: Array<'rootCert' | 'rootKey'> = ['rootCert', 'rootKey']): Promise<LabPaths> {
  const to = labPaths({ stateDir: mkdtempSync(join(tmpdir(), 'certlab-pki-')), name: 'unit' });
  await mkdir(to.offlineRoot, { recursive: true });
  for (const f of which) await copyFile(pkiFiles(from)[f], pkiFiles(to)[f]);
  return to;
}

const years = (c: x509.X509Certificate) => (c.notAfter.getTime() - c.notBefore.getTime()) / (365.25 * 86_400_000);

describe('lab PKI', async () => {
  const paths = labPaths({ stateDir: mkdtempSync(join(tmpdir(), 'certlab-pki-')), name: 'unit' });
  const pki = await ensureLabPki(paths, 'certlab');
  const tls = await writeServerTls(pki, join(paths.mounts, 'vault-tls'), 'vault', 'vault.lab.test', { dns: ['vault-1', 'vault.lab.test'], ips: ['127.0.0.1'] });

  it('has an ECDSA P-384 root valid for 10 years that is a CA with keyCertSign and cRLSign', () => {
    const root = pki.root.cert;
    expect((root.publicKey.algorithm as EcKeyAlgorithm).namedCurve).toBe('P-384');
    expect(Math.round(years(root))).toBe(10);
    expect(root.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(true);
    const usages = root.getExtension(x509.KeyUsagesExtension)!.usages;
    expect(usages & x509.KeyUsageFlags.keyCertSign).toBeTruthy();
    expect(usages & x509.KeyUsageFlags.cRLSign).toBeTruthy();
    expect(root.subject).toBe(root.issuer);
  });

  it('has a 5-year intermediate signed by the root that may sign exactly one more CA tier', async () => {
    const inter = pki.intermediate.cert;
    expect(Math.round(years(inter))).toBe(5);
    expect(inter.issuer).toBe(pki.root.cert.subject);
    expect(inter.getExtension(x509.BasicConstraintsExtension)?.pathLength).toBe(1);
    expect(await inter.verify({ publicKey: pki.root.cert.publicKey })).toBe(true);
  });

  it('issues a server certificate whose chain verifies to the offline root, with the SANs asked for', async () => {
    const [leaf] = parseCertificates(await readFile(tls.cert, 'utf8'));
    const chain = await verifyChain(leaf!, parseCertificates(await readFile(tls.caChain, 'utf8')), pki.root.cert);
    expect(chain.map((c) => c.subject)).toEqual([leaf!.subject, pki.intermediate.cert.subject, pki.root.cert.subject]);
    const san = leaf!.getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON().map((n) => n.value);
    expect(san).toEqual(expect.arrayContaining(['vault-1', 'vault.lab.test', '127.0.0.1']));
    expect(leaf!.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
    expect(leaf!.getExtension(x509.ExtendedKeyUsageExtension)!.usages).toContain(x509.ExtendedKeyUsage.serverAuth);
    const bundle = parseCertificates(await readFile(tls.bundle, 'utf8'));
    expect(bundle.map((c) => c.subject)).toEqual([leaf!.subject, pki.intermediate.cert.subject]);
  });

  it('rejects a chain that goes deeper than a path length allows', async () => {
    const issuing = await createIntermediateCa(pki.intermediate, 'CN=issuing', 1, 0);
    const tooDeep = await createIntermediateCa(issuing, 'CN=too deep', 1, 0);
    const leaf = await createServerCertificate(tooDeep, 'x', { dns: ['x.lab.test'], ips: [] }, 1);
    await expect(verifyChain(leaf.cert, [tooDeep.cert, issuing.cert, pki.intermediate.cert], pki.root.cert)).rejects.toThrow(/CN=issuing allows 0 CA\(s\) below it, the chain has 1/);
  });

  it('never writes the root key under a path mounted into a container, and keeps private keys 0600', async () => {
    expect(relative(paths.mounts, pki.files.rootKey).startsWith('..')).toBe(true);
    const rootKeyPem = (await readFile(pki.files.rootKey, 'utf8')).trim();
    for (const file of await filesUnder(paths.mounts)) {
      expect(await readFile(file, 'utf8'), file).not.toContain(rootKeyPem.split('\n')[1]);
    }
    for (const key of [pki.files.rootKey, pki.files.intermediateKey, tls.key]) {
      expect((await stat(key)).mode & 0o777, key).toBe(0o600);
    }
  });

  it('loads the same root and intermediate on the next run instead of making new ones', async () => {
    const again = await ensureLabPki(paths, 'certlab');
    expect(again.root.cert.serialNumber).toBe(pki.root.cert.serialNumber);
    expect(again.intermediate.cert.serialNumber).toBe(pki.intermediate.cert.serialNumber);
  });

  it('keeps the root and re-issues a missing intermediate from it (written with its chain)', async () => {
    const copy = await copyRootOnly(paths);
    const again = await ensureLabPki(copy, 'certlab');
    expect(again.root.cert.serialNumber).toBe(pki.root.cert.serialNumber);
    expect(Buffer.from(again.root.cert.rawData)).toEqual(Buffer.from(pki.root.cert.rawData));
    expect(again.intermediate.cert.serialNumber).not.toBe(pki.intermediate.cert.serialNumber);
    expect(await again.intermediate.cert.verify({ publicKey: pki.root.cert.publicKey })).toBe(true);
    const chain = parseCertificates(await readFile(again.files.caChain, 'utf8'));
    expect(chain.map((c) => c.serialNumber)).toEqual([again.intermediate.cert.serialNumber, pki.root.cert.serialNumber]);
    const leaf = await createServerCertificate(again.intermediate, 'x', { dns: ['x.lab.test'], ips: [] }, 1);
    await verifyChain(leaf.cert, [again.intermediate.cert], pki.root.cert);
    expect(await readFile(again.files.rootKey, 'utf8')).toBe(await readFile(pki.files.rootKey, 'utf8'));
    // The same again: the re-issued intermediate is now the one kept.
    expect((await ensureLabPki(copy, 'certlab')).intermediate.cert.serialNumber).toBe(again.intermediate.cert.serialNumber);
  });

  it.each([['rootCert'], ['rootKey']] as const)('refuses half a root (only %s present) in one line and writes nothing', async (kept) => {
    const copy = await copyRootOnly(paths, [kept]);
    const before = await stateFiles(copy);
    const err = await ensureLabPki(copy, 'certlab').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).line).toMatch(/^the offline root is incomplete: offline-root\/root-ca(-key)?\.pem is missing while .*; restore .* \(the lab never replaces an existing root\)$/);
    expect((err as LabError).line).not.toContain('\n');
    expect(await stateFiles(copy)).toEqual(before);
    await expect(loadLabPki(copy)).rejects.toThrow(/offline root is incomplete/);
  });

  it('refuses an intermediate whose root is gone instead of making a new root', async () => {
    const copy = await copyRootOnly(paths);
    await ensureLabPki(copy, 'certlab');
    await rm(copy.offlineRoot, { recursive: true });
    await expect(ensureLabPki(copy, 'certlab')).rejects.toThrow(/the offline root .* is missing but its intermediate .* exists/);
    expect((await filesUnder(copy.root)).some((f) => f.startsWith(copy.offlineRoot))).toBe(false);
  });

  it('loadLabPki reads the same PKI and never writes, not even what is missing', async () => {
    const before = await stateFiles(paths);
    const loaded = await loadLabPki(paths);
    expect(loaded.root.cert.serialNumber).toBe(pki.root.cert.serialNumber);
    expect(loaded.intermediate.cert.serialNumber).toBe(pki.intermediate.cert.serialNumber);
    expect(await stateFiles(paths)).toEqual(before);

    const rootOnly = await copyRootOnly(paths);
    const rootOnlyBefore = await stateFiles(rootOnly);
    await expect(loadLabPki(rootOnly)).rejects.toMatchObject({ line: 'the lab PKI is incomplete: pki/intermediate-ca.pem, pki/intermediate-ca-key.pem missing; run `certlab up` to create or re-issue what is missing' });
    expect(await stateFiles(rootOnly)).toEqual(rootOnlyBefore);

    const empty = labPaths({ stateDir: mkdtempSync(join(tmpdir(), 'certlab-pki-')), name: 'unit' });
    await expect(loadLabPki(empty)).rejects.toBeInstanceOf(LabError);
    expect(await stateFiles(empty)).toEqual(new Map());
  });
});
