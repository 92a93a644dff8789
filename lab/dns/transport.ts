import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { messageId } from './wire.ts';

/** A DNS server as the host reaches it: loopback plus the ports the engine published. */
export interface DnsServer {
  host: string;
  udpPort: number;
  tcpPort: number;
}

export type Transport = 'udp' | 'tcp';

const DEFAULT_TIMEOUT_MS = 3_000;

function exchangeUdp(server: DnsServer, message: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const done = (err: Error | undefined, answer?: Buffer): void => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(answer!);
    };
    const timer = setTimeout(() => done(new Error(`no UDP answer from ${server.host}:${server.udpPort} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err) => done(err));
    // Answers to another query id are strays (a late answer to an earlier try), not ours.
    socket.on('message', (answer) => { if (answer.length >= 12 && messageId(answer) === messageId(message)) done(undefined, answer); });
    socket.send(message, server.udpPort, server.host, (err) => { if (err) done(err); });
  });
}

function exchangeTcp(server: DnsServer, message: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.host, port: server.tcpPort });
    let received = Buffer.alloc(0);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TCP answer from ${server.host}:${server.tcpPort} within ${timeoutMs} ms`)));
    socket.on('error', reject);
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length);
      socket.write(Buffer.concat([length, message]));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        socket.end();
        resolve(received.subarray(2, 2 + received.readUInt16BE(0)));
      }
    });
    socket.on('close', () => reject(new Error(`${server.host}:${server.tcpPort} closed the connection before a full answer`)));
  });
}

/** Sends one DNS message and returns the answer's raw bytes. */
export function exchange(server: DnsServer, message: Buffer, transport: Transport, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Buffer> {
  return transport === 'udp' ? exchangeUdp(server, message, timeoutMs) : exchangeTcp(server, message, timeoutMs);
}
