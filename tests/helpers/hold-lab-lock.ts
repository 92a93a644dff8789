// A process that holds a lab's lock for the lock tests (unit and integration), through the real API:
//   node --import tsx tests/helpers/hold-lab-lock.ts <stateDir> <lab> <command> [--wait] [--at <epoch ms>] [--hold-ms <ms>]
// Prints one JSON line per event on stdout: {"event":"held",...}, {"event":"refused","line":...},
// {"event":"released"}. Holds until a line "release" arrives on stdin, stdin closes, or --hold-ms passes.
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseConfig } from '../../lab/config/load.ts';
import { createContext } from '../../lab/context.ts';
import { LabError } from '../../lab/errors.ts';
import { acquireLabLock } from '../../lab/lifecycle/lock.ts';

const [stateDir, lab, command, ...rest] = process.argv.slice(2);
const flag = (name: string) => { const i = rest.indexOf(name); return i >= 0 ? rest[i + 1] : undefined; };
const emit = (event: Record<string, unknown>) => process.stdout.write(JSON.stringify(event) + '\n');

const ctx = createContext(parseConfig({ name: lab, stateDir }, 'hold-lab-lock'));
const at = Number(flag('--at') ?? 0);
if (at > Date.now()) await sleep(at - Date.now());
let lock;
try {
  lock = await acquireLabLock(ctx, { command: command!, wait: rest.includes('--wait'), pollMs: 50, say: (line) => emit({ event: 'say', line }) });
} catch (err) {
  emit({ event: 'refused', line: err instanceof LabError ? err.line : String(err) });
  process.exit(3);
}
emit({ event: 'held', pid: process.pid, file: lock.file, tookOverFrom: lock.tookOverFrom?.pid ?? null });
const holdMs = Number(flag('--hold-ms') ?? 0);
await new Promise<void>((done) => {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (l) => { if (l.trim() === 'release') done(); });
  lines.on('close', done);
  if (holdMs) setTimeout(done, holdMs);
});
lock.release();
emit({ event: 'released' });
process.exit(0);
