import { x509 } from './crypto.ts';

/**
 * Serials as Vault writes them (colon-separated hex in answers, dash-separated in some listings) and as
 * X.509 carries them, compared as one form.
 */
export function normalizeSerial(serial: string): string {
  return serial.replace(/[:-]/g, '').toLowerCase().replace(/^0+(?=.)/, '');
}

export interface ParsedCrl {
  crl: x509.X509Crl;
  serials: Set<string>;
}

export function parseCrl(data: Buffer | string): ParsedCrl {
  const crl = new x509.X509Crl(typeof data === 'string' ? data : new Uint8Array(data));
  return { crl, serials: new Set(crl.entries.map((e) => normalizeSerial(e.serialNumber))) };
}
