import { createServer } from 'node:net';

/** A TCP port on the loopback that nothing listens on (taken, then let go): a registry that is not there. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}
