import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
export const subtle = webcrypto.subtle as unknown as SubtleCrypto;

export type Curve = 'P-256' | 'P-384';

export function ecdsaAlgorithm(curve: Curve): EcKeyGenParams & EcdsaParams {
  return { name: 'ECDSA', namedCurve: curve, hash: curve === 'P-384' ? 'SHA-384' : 'SHA-256' };
}

export async function generateKeyPair(curve: Curve): Promise<CryptoKeyPair> {
  return subtle.generateKey(ecdsaAlgorithm(curve), true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export async function importPrivateKeyPem(pem: string, curve: Curve): Promise<CryptoKey> {
  return subtle.importKey('pkcs8', x509.PemConverter.decode(pem)[0]!, ecdsaAlgorithm(curve), true, ['sign']);
}

export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f; // keep the serial positive
  return Buffer.from(bytes).toString('hex');
}

export function yearsFrom(start: Date, years: number): Date {
  const end = new Date(start);
  end.setUTCFullYear(end.getUTCFullYear() + years);
  return end;
}
