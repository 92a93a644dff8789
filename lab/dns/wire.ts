import dnsPacket from 'dns-packet';

// dns-packet's per-part codecs exist at runtime but its type declarations leave them out.
interface PartCodec<T> {
  encode(value: T, buf?: Buffer, offset?: number): Buffer;
  decode: ((buf: Buffer, offset?: number) => T) & { bytes: number };
  encodingLength(value: T): number;
}
const parts = dnsPacket as unknown as { name: PartCodec<string>; answer: PartCodec<dnsPacket.Answer>; question: PartCodec<dnsPacket.Question> };

export const CLASS_IN = 1;
/** RFC 2136 §2.4: class NONE deletes one RR, class ANY an RRset or serves TSIG. */
export const CLASS_NONE = 254;
export const CLASS_ANY = 255;
export const TYPE_TSIG = 250;
const OPCODE_UPDATE = 5;

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

export function rcodeName(message: Buffer): string {
  const code = message.readUInt16BE(2) & 0xf;
  return RCODES[code] ?? `RCODE_${code}`;
}

export function messageId(message: Buffer): number {
  return message.readUInt16BE(0);
}

/** Uncompressed, lower-cased wire form: what TSIG's MAC covers (RFC 8945 §4.3.3). */
export function canonicalName(name: string): Buffer {
  return parts.name.encode(name.toLowerCase());
}

export function decodeName(message: Buffer, offset: number): { name: string; end: number } {
  const name = parts.name.decode(message, offset);
  return { name, end: offset + parts.name.decode.bytes };
}

export function encodeQuery(id: number, name: string, type: dnsPacket.RecordType): Buffer {
  return dnsPacket.encode({ id, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }] });
}

/** A TXT record in an UPDATE's update section; `klass` NONE with TTL 0 deletes exactly this value. */
export function txtRecord(name: string, value: string, ttl: number, klass = CLASS_IN): Buffer {
  // TXT character-strings hold at most 255 bytes each; longer values are split, as every resolver joins them.
  const bytes = Buffer.from(value, 'utf8');
  const chunks: Buffer[] = [];
  for (let at = 0; at === 0 || at < bytes.length; at += 255) chunks.push(bytes.subarray(at, at + 255));
  const record = parts.answer.encode({ name, type: 'TXT', class: 'IN', ttl, data: chunks });
  record.writeUInt16BE(klass, parts.name.encodingLength(name) + 2);
  return record;
}

/** An RFC 2136 UPDATE for `zone` carrying the given update-section records, without prerequisites. */
export function updateMessage(id: number, zone: string, updates: Buffer[]): Buffer {
  const head = dnsPacket.encode({ id, type: 'query', flags: OPCODE_UPDATE << 11, questions: [{ name: zone, type: 'SOA', class: 'IN' }] });
  head.writeUInt16BE(updates.length, 8);
  return Buffer.concat([head, ...updates]);
}

/** Offset where the last record of the message starts (TSIG, when present, is always last). */
export function lastRecordOffset(message: Buffer): number | undefined {
  const counts = [4, 6, 8, 10].map((at) => message.readUInt16BE(at));
  let offset = 12;
  for (let i = 0; i < counts[0]!; i++) offset = decodeName(message, offset).end + 4;
  const records = counts[1]! + counts[2]! + counts[3]!;
  let last: number | undefined;
  for (let i = 0; i < records; i++) {
    last = offset;
    const { end } = decodeName(message, offset);
    offset = end + 10 + message.readUInt16BE(end + 8);
  }
  return last;
}
