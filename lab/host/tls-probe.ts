// What a TLS server serves, as a client that verifies sees it: connect with SNI, verify the chain against
// the given trust anchors only (never the system's, never skipped), and keep the certificates it sent.
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';

export interface ServedChain {
  /** The leaf first, then each certificate up to the trust anchor that verified it. */
  certificates: X509Certificate[];
  /** The leaf's serial, upper-case hex as X509Certificate gives it. */
  serial: string;
}

export interface TlsProbe {
  host: string;
  port: number;
  /** SNI, and the name the leaf must be valid for. */
  servername: string;
  /** PEM trust anchors: only these verify the chain. */
  ca: string | string[];
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Handshakes and verifies; rejects with the TLS error (e.g. "unable to verify the first certificate") otherwise. */
export function fetchServedChain(p: TlsProbe): Promise<ServedChain> {
  return new Promise((resolve, reject) => {
    p.signal?.throwIfAborted();
    const socket = tls.connect({ host: p.host, port: p.port, servername: p.servername, ca: p.ca, timeout: p.timeoutMs ?? 5_000 }, () => {
      p.signal?.removeEventListener('abort', abort);
      const certificates = peerChain(socket.getPeerCertificate(true));
      socket.end();
      const leaf = certificates[0];
      if (!leaf) return reject(new Error(`${p.servername} at ${p.host}:${p.port} sent no certificate`));
      resolve({ certificates, serial: leaf.serialNumber });
    });
    const abort = () => socket.destroy(p.signal?.reason instanceof Error ? p.signal.reason : new Error('aborted'));
    p.signal?.addEventListener('abort', abort, { once: true });
    socket.on('close', () => p.signal?.removeEventListener('abort', abort));
    socket.on('timeout', () => socket.destroy(new Error(`TLS handshake with ${p.servername} at ${p.host}:${p.port} timed out`)));
    socket.on('error', (err) => reject(new Error(`TLS to ${p.servername} at ${p.host}:${p.port}: ${err.message}`)));
  });
}

/** Node links each certificate to its issuer; the trust anchor links to itself. */
function peerChain(leaf: tls.DetailedPeerCertificate): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<string>();
  for (let c: tls.DetailedPeerCertificate | undefined = leaf; c?.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
    seen.add(c.fingerprint256);
    out.push(new X509Certificate(c.raw));
  }
  return out;
}

/** A verified TLS connection kept open, as a client with a keep-alive connection holds it. */
export interface HeldTlsConnection {
  /** What the server served when the connection was made. */
  served: ServedChain;
  /** Sends `GET path` on this same connection and resolves with the HTTP status the server answers. */
  get(path: string): Promise<number>;
  close(): void;
}

/** Connects and verifies as fetchServedChain does, and keeps the connection for later requests. */
export function holdTlsConnection(p: TlsProbe): Promise<HeldTlsConnection> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: p.host, port: p.port, servername: p.servername, ca: p.ca, timeout: p.timeoutMs ?? 5_000 }, () => {
      socket.setTimeout(0);
      const certificates = peerChain(socket.getPeerCertificate(true));
      resolve({
        served: { certificates, serial: certificates[0]?.serialNumber ?? '' },
        get: (path) => new Promise<number>((ok, fail) => {
          if (socket.destroyed) return fail(new Error(`the connection to ${p.servername} was closed`));
          let head = '';
          const onData = (d: Buffer) => {
            head += d.toString('latin1');
            const status = /^HTTP\/1\.1 (\d{3})/.exec(head);
            if (!status) return;
            socket.off('data', onData);
            ok(Number(status[1]));
          };
          socket.on('data', onData);
          socket.once('close', () => fail(new Error(`${p.servername} closed the held connection`)));
          socket.write(`GET ${path} HTTP/1.1\r\nHost: ${p.servername}\r\n\r\n`);
        }),
        close: () => socket.destroy(),
      });
    });
    socket.on('timeout', () => socket.destroy(new Error(`TLS handshake with ${p.servername} at ${p.host}:${p.port} timed out`)));
    socket.on('error', (err) => reject(new Error(`TLS to ${p.servername} at ${p.host}:${p.port}: ${err.message}`)));
  });
}
