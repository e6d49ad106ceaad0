/**
 * Advisory locks on the files a run writes: `<file>.lock` holds the owner's pid, host and start
 * time, created exclusively (O_EXCL), so a second run writing the same weights, checkpoint or CSV
 * is refused with the pid and lock file to look at. A lock whose process no longer exists on this
 * host (a run killed with -9) is stale and taken over. Locks are released when the run ends,
 * fails or is interrupted (SIGINT/SIGTERM).
 */
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { CliFailure } from './options.js';

interface LockInfo {
  pid: number;
  host: string;
  started: string;
  command: string;
}

/** Whether a process with this pid exists here (EPERM: it exists but belongs to someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    return typeof o.pid === 'number' && typeof o.host === 'string'
      ? { pid: o.pid, host: o.host, started: String(o.started ?? '?'), command: String(o.command ?? '?') }
      : null;
  } catch {
    return null;
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Creates the lock file exclusively; false when it exists. */
function tryCreate(path: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (e) {
    if ((e as { code?: string }).code === 'EEXIST') return false;
    throw new CliFailure(`cannot create the lock file ${path} (${(e as { code?: string }).code ?? String(e)})`, {
      path,
    });
  }
  try {
    writeSync(fd, JSON.stringify(info) + '\n');
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Locks held by this process, released at exit. */
const held = new Set<string>();
let hooked = false;

function releaseAll(): void {
  for (const p of held) rmSync(p, { force: true });
  held.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', releaseAll);
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(sig, () => {
      releaseAll();
      process.exit(code);
    });
  }
}

/** A set of acquired locks. */
export interface RunLock {
  /** The lock files. */
  readonly paths: readonly string[];
  /** Messages about stale locks that were taken over. */
  readonly notes: readonly string[];
  /** Removes the lock files (idempotent). */
  release(): void;
}

/**
 * Locks each target (`<target>.lock`); throws a CliFailure naming the lock file and the pid of the
 * run that holds it. `flags` maps each target to the flag that named it (for the message).
 */
export function acquireLocks(targets: readonly { flag: string; path: string }[]): RunLock {
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    started: new Date().toISOString(),
    command: `convkit ${process.argv.slice(2).join(' ')}`,
  };
  const mine: string[] = [];
  const notes: string[] = [];
  const release = (): void => {
    for (const p of mine) {
      rmSync(p, { force: true });
      held.delete(p);
    }
  };
  try {
    for (const t of targets) {
      const lock = `${t.path}.lock`;
      if (mine.includes(lock)) continue;
      for (let attempt = 0; ; attempt++) {
        if (tryCreate(lock, info)) break;
        const owner = readLock(lock);
        if (owner === null && attempt === 0) {
          sleepMs(100);
          continue;
        } // maybe being written right now
        const stale = owner !== null && owner.host === info.host && !alive(owner.pid);
        if ((stale || owner === null) && attempt < 3) {
          notes.push(`took over the stale lock ${lock} (${owner ? `pid ${owner.pid} is gone` : 'unreadable'})`);
          rmSync(lock, { force: true });
          continue;
        }
        const who = owner
          ? `pid ${owner.pid}${owner.host !== info.host ? ` on ${owner.host}` : ''}, started ${owner.started}`
          : 'an unknown process';
        throw new CliFailure(
          `${t.flag} ${t.path} is in use by another convkit run (${who}; lock file ${lock}); wait for it to finish, choose another path, or delete the lock file if that run is gone`,
          { flag: t.flag, path: t.path, lock, pid: owner?.pid ?? null },
        );
      }
      mine.push(lock);
      held.add(lock);
      hookExit();
    }
  } catch (e) {
    release();
    throw e;
  }
  return { paths: mine, notes, release };
}
