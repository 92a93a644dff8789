import { PassThrough } from 'node:stream';
import { docker } from './docker.ts';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command in a running container (docker exec) and returns its exit code and both streams apart.
 * `env` goes to that process only (a token for a CLI, say), never onto a command line.
 */
export async function execCapture(container: string, cmd: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<ExecResult> {
  const d = await docker();
  const exec = await d.getContainer(container).exec({
    Cmd: cmd, AttachStdout: true, AttachStderr: true,
    Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
  });
  const stream = await exec.start({});
  const out = new PassThrough();
  const err = new PassThrough();
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  out.on('data', (c: Buffer) => stdout.push(c));
  err.on('data', (c: Buffer) => stderr.push(c));
  d.modem.demuxStream(stream, out, err);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { stream.destroy(); reject(new Error(`${cmd.join(' ')} in ${container}: no end within ${timeoutMs} ms`)); }, timeoutMs);
    stream.on('end', () => { clearTimeout(timer); resolve(); });
    stream.on('close', () => { clearTimeout(timer); resolve(); });
    stream.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
  const info = await exec.inspect();
  return { exitCode: info.ExitCode ?? -1, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
}
