import { createHmac, timingSafeEqual } from 'node:crypto';
import { CLASS_ANY, TYPE_TSIG, canonicalName, decodeName, lastRecordOffset, messageId } from './wire.ts';

/** A TSIG key as BIND's `key` statement and cert-manager's RFC2136 solver take it; the secret is base64. */
export interface TsigKey {
  name: string;
  algorithm: 'hmac-sha256';
  secret: string;
}

/** Seconds of clock difference either side accepted, the RFC 8945 recommendation. */
const FUDGE_SECONDS = 300;

/** RFC 8945 §5.3 error codes a server puts into the TSIG of its answer. */
export const TSIG_ERRORS: Readonly<Record<number, string>> = { 16: 'BADSIG', 17: 'BADKEY', 18: 'BADTIME', 22: 'BADTRUNC' };

interface TsigFields {
  keyName: string;
  algorithm: string;
  timeSigned: number;
  fudge: number;
  mac: Buffer;
  originalId: number;
  error: number;
  other: Buffer;
}

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}

function u48(value: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUIntBE(value, 0, 6);
  return b;
}

/** RFC 8945 §4.3.3: the TSIG fields the MAC covers, names in canonical form. */
function macVariables(f: Omit<TsigFields, 'mac' | 'originalId'>): Buffer {
  return Buffer.concat([
    canonicalName(f.keyName), u16(CLASS_ANY), u32(0), canonicalName(f.algorithm),
    u48(f.timeSigned), u16(f.fudge), u16(f.error), u16(f.other.length), f.other,
  ]);
}

function hmac(key: TsigKey, parts: Buffer[]): Buffer {
  const h = createHmac('sha256', Buffer.from(key.secret, 'base64'));
  for (const part of parts) h.update(part);
  return h.digest();
}

function tsigRecord(f: TsigFields): Buffer {
  const rdata = Buffer.concat([
    canonicalName(f.algorithm), u48(f.timeSigned), u16(f.fudge), u16(f.mac.length), f.mac,
    u16(f.originalId), u16(f.error), u16(f.other.length), f.other,
  ]);
  return Buffer.concat([canonicalName(f.keyName), u16(TYPE_TSIG), u16(CLASS_ANY), u32(0), u16(rdata.length), rdata]);
}

/** Signs a request (RFC 8945 §4.3.1): MAC over the message as it stands plus the TSIG variables, TSIG appended. */
export function signRequest(message: Buffer, key: TsigKey, nowMs = Date.now()): { signed: Buffer; mac: Buffer } {
  const fields = { keyName: key.name, algorithm: key.algorithm, timeSigned: Math.floor(nowMs / 1000), fudge: FUDGE_SECONDS, error: 0, other: Buffer.alloc(0) };
  const mac = hmac(key, [message, macVariables(fields)]);
  const signed = Buffer.concat([message, tsigRecord({ ...fields, mac, originalId: messageId(message) })]);
  signed.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return { signed, mac };
}

/** The TSIG record of a message, if its last record is one, and where that record starts. */
export function readTsig(message: Buffer): (TsigFields & { start: number }) | undefined {
  const start = lastRecordOffset(message);
  if (start === undefined) return undefined;
  const owner = decodeName(message, start);
  if (message.readUInt16BE(owner.end) !== TYPE_TSIG) return undefined;
  const algorithm = decodeName(message, owner.end + 10);
  let at = algorithm.end;
  const timeSigned = message.readUIntBE(at, 6);
  const fudge = message.readUInt16BE(at + 6);
  const macSize = message.readUInt16BE(at + 8);
  at += 10;
  const mac = message.subarray(at, at + macSize);
  at += macSize;
  const otherLength = message.readUInt16BE(at + 4);
  return {
    start, keyName: owner.name, algorithm: algorithm.name, timeSigned, fudge, mac,
    originalId: message.readUInt16BE(at), error: message.readUInt16BE(at + 2), other: message.subarray(at + 6, at + 6 + otherLength),
  };
}

export function tsigErrorName(code: number): string {
  return TSIG_ERRORS[code] ?? `TSIG error ${code}`;
}

/**
 * Checks the server's signature on a response (RFC 8945 §4.3.2): MAC over the request's MAC, the response
 * as it was before signing (no TSIG, ARCOUNT one lower, original ID) and its TSIG variables. Throws when
 * the response is unsigned, signed with another key, forged or out of time.
 */
export function verifyResponse(response: Buffer, key: TsigKey, requestMac: Buffer, nowMs = Date.now()): void {
  const tsig = readTsig(response);
  if (!tsig) throw new Error('the response carries no TSIG signature');
  if (tsig.error !== 0) throw new Error(`the server rejected the signature: ${tsigErrorName(tsig.error)}`);
  if (tsig.keyName.toLowerCase() !== key.name.replace(/\.$/, '').toLowerCase() || tsig.algorithm.toLowerCase() !== key.algorithm) {
    throw new Error(`the response is signed with key ${tsig.keyName} (${tsig.algorithm}), not ${key.name} (${key.algorithm})`);
  }
  const unsigned = Buffer.from(response.subarray(0, tsig.start));
  unsigned.writeUInt16BE(tsig.originalId, 0);
  unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
  const expected = hmac(key, [u16(requestMac.length), requestMac, unsigned, macVariables(tsig)]);
  if (tsig.mac.length !== expected.length || !timingSafeEqual(tsig.mac, expected)) throw new Error('the response\'s TSIG MAC does not verify');
  if (Math.abs(nowMs / 1000 - tsig.timeSigned) > tsig.fudge) throw new Error(`the response was signed at ${new Date(tsig.timeSigned * 1000).toISOString()}, outside the ${tsig.fudge} s fudge`);
}
