import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmdirSync, unlinkSync } from 'node:fs';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LabContext } from '../context.ts';
import { LabError } from '../errors.ts';

// One command at a time changes a lab (issue 12). The lock is a small JSON file in the lab's state
// directory, <stateDir>/<lab>/lock.json, naming its holder. Taking it is atomic: the record is written to
// a temporary file that is then hard-linked to lock.json, which fails when lock.json exists, so a reader
// never sees a half-written record. A lock whose process is gone is taken over (see replaceStale).

/** The lock file's name inside the lab's state directory (ctx.paths.root). */
export const LOCK_FILE = 'lock.json';

/** Who holds a lab's lock: what lock.json records. */
export interface LabLockHolder {
  pid: number;
  /** The command line, e.g. `certlab run vault-leader-failover --quick`. */
  command: string;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
  /** Unique per acquisition: tells this holder from an earlier process that had the same pid. */
  token: string;
  /** Linux: the process's start time (/proc/<pid>/stat field 22), so a reused pid is not taken as alive. */
  startTime?: string;
}

export interface LabLock {
  /** Absolute or config-relative path of lock.json. */
  readonly file: string;
  readonly holder: LabLockHolder;
  /** The dead holder whose lock this one took over, if any. */
  readonly tookOverFrom?: LabLockHolder;
  readonly released: boolean;
  /**
   * Gives the lock up: removes lock.json if it is still this holder's, then the lab's state directory if
   * that is empty. Synchronous and idempotent; safe after the directory was removed (`down --purge`).
   */
  release(): void;
}

export interface LabLockOptions {
  /** The command line to record, e.g. cliCommandLine() → `certlab run vault-leader-failover --quick`. */
  command: string;
  /** Wait (polling, progress on stderr) until the lock is free instead of refusing at once. */
  wait?: boolean;
  /** Stops a wait: the acquisition rejects with signal.reason. Defaults to ctx.signal. */
  signal?: AbortSignal;
  /** How often a waiter looks again (default 500 ms). */
  pollMs?: number;
  /** Where progress and takeover notes go (default: stderr, one line each). */
  say?: (line: string) => void;
}

/** What the lock needs of a LabContext (a full LabContext will do). */
export type LockContext = Pick<LabContext, 'config' | 'paths'> & { signal?: AbortSignal };

/** How a lock file looks from here. */
export type LockState = 'held' | 'stale' | 'mine';

/** A record younger than this that cannot be parsed is taken as being written (only without hard links). */
const UNREADABLE_GRACE_MS = 5_000;
/** While waiting: a "still waiting" line this often. */
const WAIT_REPORT_MS = 15_000;
/** Another taker of the same stale lock: look again this often, for at most this long without --wait. */
const TAKEOVER_RETRY_MS = 25;
const TAKEOVER_PATIENCE_MS = 5_000;
const SIGNALS_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 130, SIGHUP: 129 };

/** The command line as the user typed it, for the lock record: `certlab up vault --wait`. */
export function cliCommandLine(argv: string[] = process.argv): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['certlab', ...argv.slice(2).map(quote)].join(' ');
}

/** lock.json and the files taking it makes for a moment (temporary records, takeover claims). */
export function isLockFileName(name: string): boolean {
  return name === LOCK_FILE || name.startsWith(`${LOCK_FILE}.takeover-`) || name.startsWith(`.${LOCK_FILE}.`);
}

export function lockFile(ctx: Pick<LockContext, 'paths'>): string {
  return join(ctx.paths.root, LOCK_FILE);
}

/**
 * Takes the lab's lock for a command that changes the lab (`up`, `run`, `down`, ...). Refuses at once
 * with one LabError line naming the holder (pid, command, since) and `--wait`, unless `wait` is set: then
 * polls until the lock is free, with progress on stderr, until it is taken or the signal aborts (Ctrl-C
 * with lab/interrupt.ts's onInterrupt; without any SIGINT listener Ctrl-C simply ends the process).
 * A lock whose process is gone (not alive on this host) is taken over, saying so on stderr.
 *
 * The lock is released by `release()` (idempotent), and as a last resort by a synchronous unlink on
 * process exit. While it is held, SIGINT/SIGTERM/SIGHUP with no other listener end the process with
 * 130/130/129 (so that exit hook runs); when the command has its own listeners (onInterrupt), they decide
 * when to exit and the lock goes with the process.
 *
 * Wiring a command:
 *
 *   const ctx = labContext(program);          // with ctx.signal from onInterrupt, if the command has one
 *   await withLabLock(ctx, { command: cliCommandLine(), wait: opts.wait }, async () => {
 *     ... the command's work ...
 *   });
 */
export async function acquireLabLock(ctx: LockContext, opts: LabLockOptions): Promise<LabLock> {
  const file = lockFile(ctx);
  const lab = ctx.config.name;
  const signal = opts.signal ?? ctx.signal;
  const say = opts.say ?? ((line: string) => process.stderr.write(`${line}\n`));
  const pollMs = opts.pollMs ?? 500;
  let waitingFor: string | undefined;
  let waitStart = 0;
  let lastReport = 0;
  let lostTakeovers = 0;
  for (;;) {
    signal?.throwIfAborted();
    await mkdir(dirname(file), { recursive: true });
    const mine = newHolder(opts.command);
    let seen: SeenLock | undefined;
    try {
      const created = await createExclusive(file, mine);
      if (created === 'created') {
        if (waitingFor) say(`certlab: lab ${lab} is free; going ahead (waited ${((Date.now() - waitStart) / 1000).toFixed(1)} s)`);
        return hold(file, mine);
      }
      if (created === 'no-dir') continue; // the directory went away (a release removed it empty): make it again
      seen = await readLock(file);
      if (!seen) continue; // released in between
      const state = judge(seen);
      if (state === 'mine') throw new Error(`this process already holds lab ${lab}'s lock (${file}); release it before taking it again`);
      if (state === 'stale') {
        if (await replaceStale(file, seen, mine)) {
          say(`certlab: took over lab ${lab}'s lock from ${seen.holder ? `pid ${seen.holder.pid} (${seen.holder.command}, since ${seen.holder.since}), which is no longer running` : 'an unreadable lock file'}`);
          return hold(file, mine, seen.holder);
        }
        // Another process is taking it over (or just did): look again in a moment. A takeover takes
        // milliseconds; one that seems to last (its taker stuck) is reported like a held lock.
        if (++lostTakeovers * TAKEOVER_RETRY_MS < TAKEOVER_PATIENCE_MS || opts.wait) {
          await pause(opts.wait && lostTakeovers * TAKEOVER_RETRY_MS >= TAKEOVER_PATIENCE_MS ? pollMs : TAKEOVER_RETRY_MS, signal);
          continue;
        }
        throw new LabError(
          `lab ${lab}'s lock, left by ${describeHolder(seen)} which is no longer running, is being taken over by another process`,
          `pass --wait to wait for the lock; if no certlab command is running on this lab, remove ${file} and ${file}.takeover-*`,
        );
      }
      lostTakeovers = 0;
    } finally {
      if (!held.has(mine.token)) ours.delete(mine.token);
    }
    if (!opts.wait) throw refusal(lab, file, seen);
    const who = describeHolder(seen);
    const now = Date.now();
    if (who !== waitingFor) {
      if (!waitingFor) waitStart = now;
      waitingFor = who;
      lastReport = now;
      say(`certlab: lab ${lab} is in use by ${who}; waiting for it to finish (Ctrl-C to stop waiting)`);
    } else if (now - lastReport >= WAIT_REPORT_MS) {
      lastReport = now;
      say(`certlab: still waiting for lab ${lab} (${Math.round((now - waitStart) / 1000)} s, held by pid ${seen.holder?.pid ?? '?'})`);
    }
    await pause(pollMs, signal);
  }
}

async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  }
}

/** Runs `work` holding the lab's lock; releases it however `work` ends. */
export async function withLabLock<T>(ctx: LockContext, opts: LabLockOptions, work: (lock: LabLock) => Promise<T>): Promise<T> {
  const lock = await acquireLabLock(ctx, opts);
  try {
    return await work(lock);
  } finally {
    lock.release();
  }
}

/** The lab's lock as `status` shows it: who holds it and whether that process is still there. Never waits. */
export async function readLabLock(ctx: Pick<LockContext, 'paths'>): Promise<{ holder?: LabLockHolder; state: LockState; file: string } | undefined> {
  const file = lockFile(ctx);
  const seen = await readLock(file);
  return seen ? { ...(seen.holder ? { holder: seen.holder } : {}), state: judge(seen), file } : undefined;
}

/** One line about a lock for `status`. */
export function describeLock(l: { holder?: LabLockHolder; state: LockState; file: string }): string {
  const who = l.holder ? `pid ${l.holder.pid}${l.holder.host !== hostname() ? ` on ${l.holder.host}` : ''} (${l.holder.command}) since ${l.holder.since}` : `an unreadable ${l.file}`;
  return l.state === 'stale' ? `lock: stale, left by ${who}, which is no longer running (the next command takes it over)` : `lock: held by ${who}`;
}

// ---------------------------------------------------------------------------------------------------

interface SeenLock {
  /** The parsed record; undefined when the file cannot be parsed. */
  holder?: LabLockHolder;
  /** Identity of this very record (hash of its bytes): names the takeover claim, detects a change. */
  id: string;
  mtimeMs: number;
}

/** Tokens of the locks this process holds, with their files, for release on exit. */
const held = new Map<string, string>();
/** Tokens this process is using: held, or in an acquisition under way (its records and takeover claims). */
const ours = new Set<string>();

function newHolder(command: string): LabLockHolder {
  const startTime = procStartTime(process.pid);
  const token = randomBytes(8).toString('hex');
  ours.add(token);
  return {
    pid: process.pid, command, host: hostname(), since: new Date().toISOString(), token,
    ...(startTime ? { startTime } : {}),
  };
}

/** Field 22 of /proc/<pid>/stat (clock ticks after boot), or undefined off Linux or when pid is gone. */
function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, but someone else's
  }
}

function judge(seen: SeenLock): LockState {
  const h = seen.holder;
  if (!h) return Date.now() - seen.mtimeMs < UNREADABLE_GRACE_MS ? 'held' : 'stale';
  // A process on another host cannot be checked from here: it counts as alive.
  if (h.host !== hostname()) return 'held';
  // This pid: one of this process's own (held, or being taken right now), or left by an earlier process
  // that had the same pid.
  if (h.pid === process.pid) return held.has(h.token) ? 'mine' : ours.has(h.token) ? 'held' : 'stale';
  if (!pidAlive(h.pid)) return 'stale';
  const now = procStartTime(h.pid);
  if (h.startTime && now && now !== h.startTime) return 'stale'; // the pid was reused by another process
  return 'held';
}

function parseHolder(text: string): LabLockHolder | undefined {
  try {
    const v = JSON.parse(text) as Partial<LabLockHolder>;
    if (typeof v.pid === 'number' && typeof v.command === 'string' && typeof v.host === 'string' && typeof v.since === 'string' && typeof v.token === 'string') {
      return v as LabLockHolder;
    }
  } catch {
    // unreadable: judged by its age
  }
  return undefined;
}

async function readLock(file: string): Promise<SeenLock | undefined> {
  try {
    const [bytes, st] = await Promise.all([readFile(file), stat(file)]);
    const holder = parseHolder(bytes.toString('utf8'));
    return { ...(holder ? { holder } : {}), id: createHash('sha256').update(bytes).digest('hex').slice(0, 16), mtimeMs: st.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function describeHolder(seen: SeenLock): string {
  const h = seen.holder;
  if (!h) return 'a command whose lock record cannot be read yet';
  return `pid ${h.pid}${h.host !== hostname() ? ` on host ${h.host}` : ''} (${h.command}) since ${h.since}`;
}

function refusal(lab: string, file: string, seen: SeenLock): LabError {
  const h = seen.holder;
  if (!h) return new LabError(`lab ${lab} is locked by ${file}, which cannot be read`, `pass --wait to wait for it; if no certlab command is running on this lab, remove ${file}`);
  const elsewhere = h.host !== hostname();
  return new LabError(
    `lab ${lab} is in use: pid ${h.pid}${elsewhere ? ` on host ${h.host}` : ''} (${h.command}) has held its lock since ${h.since}`,
    `wait for it to finish, or pass --wait to wait for the lock${elsewhere ? `; if that process is gone, remove ${file}` : ''}`,
  );
}

/** Writes a holder record to a fresh temporary file next to `target` and returns its path. */
async function writeTemp(target: string, holder: LabLockHolder): Promise<string> {
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(JSON.stringify(holder, null, 2) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  return tmp;
}

/**
 * Creates `target` holding `holder` if it does not exist, atomically and complete: 'created', 'exists',
 * or 'no-dir' when the directory is gone. Falls back to open(..., 'wx') where hard links are refused.
 */
async function createExclusive(target: string, holder: LabLockHolder): Promise<'created' | 'exists' | 'no-dir'> {
  let tmp: string;
  try {
    tmp = await writeTemp(target, holder);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'no-dir';
    throw err;
  }
  try {
    await link(tmp, target);
    return 'created';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return 'exists';
    if (code === 'ENOENT') return 'no-dir';
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw err;
    // No hard links on this filesystem: exclusive create, then write (readers give it UNREADABLE_GRACE_MS).
    try {
      const fh = await open(target, 'wx', 0o644);
      try {
        await fh.writeFile(JSON.stringify(holder, null, 2) + '\n');
      } finally {
        await fh.close();
      }
      return 'created';
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw e;
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/**
 * Replaces `file`, seen holding the stale record `stale`, by `mine`, unless someone else does first.
 * Two takers of one stale lock race on a claim file named after that record
 * (`lock.json.takeover-<id of the stale record>`), created exclusively: only its creator checks that
 * `file` still holds that very record and renames its own record over it. A loser (or a taker that comes
 * later and still saw the old record) finds the claim taken, or `file` changed, and looks again. A claim
 * left by a taker that died is itself a stale lock and is taken over the same way, one level down.
 */
async function replaceStale(file: string, stale: SeenLock, mine: LabLockHolder, depth = 0): Promise<boolean> {
  if (depth > 4) throw new LabError(`cannot take over the stale lock ${file}: its takeover claims are stale too`, `make sure no certlab command is running on this lab, then remove ${file} and ${file}.takeover-*`);
  const claim = `${file}.takeover-${stale.id}`;
  let created = await createExclusive(claim, mine);
  if (created === 'no-dir') return false;
  if (created === 'exists') {
    const other = await readLock(claim);
    if (!other) return false; // the other taker finished: look again
    if (judge(other) !== 'stale') return false; // someone is taking it over right now
    if (!(await replaceStale(claim, other, mine, depth + 1))) return false;
    created = 'created';
  }
  try {
    const now = await readLock(file);
    if (!now || now.id !== stale.id) return false; // released or taken over meanwhile
    const tmp = await writeTemp(file, mine);
    try {
      await rename(tmp, file);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    return true;
  } finally {
    await unlinkIfMine(claim, mine.token);
  }
}

async function unlinkIfMine(file: string, token: string): Promise<void> {
  try {
    if (parseHolder(await readFile(file, 'utf8'))?.token === token) await unlink(file);
  } catch {
    // gone already
  }
}

function releaseSync(file: string, token: string): void {
  try {
    if (parseHolder(readFileSync(file, 'utf8'))?.token === token) unlinkSync(file);
  } catch {
    // gone already (down --purge removed the directory), or not ours any more
  }
  try {
    rmdirSync(dirname(file)); // only when empty: a lab directory holding nothing else has no meaning
  } catch {
    // not empty, or gone
  }
}

function hold(file: string, holder: LabLockHolder, tookOverFrom?: LabLockHolder): LabLock {
  held.set(holder.token, file);
  listenWhileHeld();
  let released = false;
  return {
    file, holder, ...(tookOverFrom ? { tookOverFrom } : {}),
    get released() { return released; },
    release() {
      if (released) return;
      released = true;
      held.delete(holder.token);
      ours.delete(holder.token);
      releaseSync(file, holder.token);
      listenWhileHeld();
    },
  };
}

/** Last resort: whatever path the process takes to exit, the locks it holds go with it. */
function releaseAllOnExit(): void {
  for (const [token, file] of held) releaseSync(file, token);
  held.clear();
  ours.clear();
}

/**
 * A signal the command does not handle itself would end the process without running exit hooks; while a
 * lock is held, such a signal exits through process.exit instead (prepended, so it sees the command's own
 * listeners, which then decide).
 */
function onSignal(sig: NodeJS.Signals): void {
  if (process.listenerCount(sig) > 1) return; // the command handles it (e.g. onInterrupt) and exits itself
  process.stderr.write(`\ncertlab: interrupted (${sig}); the lab's lock is released\n`);
  process.exit(SIGNALS_EXIT[sig] ?? 1);
}

let listening = false;
function listenWhileHeld(): void {
  if (held.size && !listening) {
    listening = true;
    process.on('exit', releaseAllOnExit);
    for (const sig of Object.keys(SIGNALS_EXIT) as NodeJS.Signals[]) process.prependListener(sig, onSignal);
  } else if (!held.size && listening) {
    listening = false;
    process.off('exit', releaseAllOnExit);
    for (const sig of Object.keys(SIGNALS_EXIT) as NodeJS.Signals[]) process.off(sig, onSignal);
  }
}
