import { randomInt } from 'node:crypto';
import { exchange, type DnsServer, type Transport } from './transport.ts';
import { readTsig, signRequest, tsigErrorName, verifyResponse, type TsigKey } from './tsig.ts';
import { CLASS_NONE, rcodeName, txtRecord, updateMessage } from './wire.ts';

/** The server refused an UPDATE; `tsigError` says why when the signature was the reason (BADSIG, BADKEY...). */
export class DnsUpdateError extends Error {
  constructor(readonly rcode: string, readonly tsigError: string | undefined, zone: string) {
    super(`UPDATE of zone ${zone} refused: ${rcode}${tsigError ? ` (TSIG ${tsigError})` : ''}`);
    this.name = 'DnsUpdateError';
  }
}

export interface Rfc2136Target {
  server: DnsServer;
  zone: string;
  key: TsigKey;
  /** TCP by default: an UPDATE whose answer got lost is not re-sent blindly. */
  transport?: Transport;
}

/** TSIG-signed RFC 2136 dynamic updates of TXT records, as cert-manager's RFC2136 solver sends them. */
export class Rfc2136Client {
  constructor(private readonly target: Rfc2136Target) {}

  addTxt(name: string, value: string, ttl = 60): Promise<void> {
    return this.update([txtRecord(name, value, ttl)]);
  }

  /** Deletes this one value; other values at the same name (a parallel challenge) stay. */
  removeTxt(name: string, value: string): Promise<void> {
    return this.update([txtRecord(name, value, 0, CLASS_NONE)]);
  }

  private async update(records: Buffer[]): Promise<void> {
    const { server, zone, key, transport = 'tcp' } = this.target;
    const { signed, mac } = signRequest(updateMessage(randomInt(0, 0x10000), zone, records), key);
    const answer = await exchange(server, signed, transport);
    const rcode = rcodeName(answer);
    if (rcode !== 'NOERROR') {
      const tsigError = readTsig(answer)?.error;
      throw new DnsUpdateError(rcode, tsigError ? tsigErrorName(tsigError) : undefined, zone);
    }
    verifyResponse(answer, key, mac);
  }
}
