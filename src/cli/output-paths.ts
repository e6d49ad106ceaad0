/**
 * Output paths checked before any expensive work: every file a command will write (--out,
 * --checkpoint, --csv) must sit in an existing, writable directory and must not itself be a
 * directory, so a run never trains for an hour and then fails to save. The check creates and
 * removes a probe file, which catches permissions, read-only mounts and vanished directories;
 * a target that says how many bytes it will need is also checked against the free space.
 */
import { accessSync, closeSync, constants, openSync, rmSync, statSync, statfsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { CliFailure, UsageError } from './options.js';

/** A file a command will write, with the flag that named it. */
export interface OutputTarget {
  flag: string;
  path: string;
  /** The file is appended to in place (so it must itself be writable when it exists). */
  append?: boolean;
  /** About how many bytes the file will take (checked against the directory's free space). */
  bytes?: number;
}

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;

function errno(e: unknown): string {
  return (e as { code?: string } | null)?.code ?? (e instanceof Error ? e.message : String(e));
}

function fail(t: OutputTarget, why: string, fix: string): never {
  throw new CliFailure(`${t.flag} ${t.path}: ${why}; ${fix}`, { flag: t.flag, path: t.path });
}

/** Throws unless target can be (re)written; the error names the flag, the path and what to do. */
export function checkWritable(t: OutputTarget): void {
  const path = resolve(t.path);
  const dir = dirname(path);
  let dirStat;
  try {
    dirStat = statSync(dir);
  } catch (e) {
    fail(
      t,
      errno(e) === 'ENOENT'
        ? `the directory ${dirname(t.path)} does not exist`
        : `cannot use the directory ${dirname(t.path)} (${errno(e)})`,
      'create it first or choose another path',
    );
  }
  if (!dirStat.isDirectory()) fail(t, `${dirname(t.path)} is not a directory`, 'choose another path');
  let st = null;
  try {
    st = statSync(path);
  } catch {
    /* a new file */
  }
  if (st?.isDirectory()) fail(t, 'is a directory', 'give a file path inside it');
  if (st && t.append) {
    try {
      accessSync(path, constants.W_OK);
    } catch (e) {
      fail(t, `the file is not writable (${errno(e)})`, 'fix its permissions or choose another path');
    }
  }
  const probe = resolve(dir, `.${basename(path)}.convkit-probe-${process.pid}`);
  try {
    closeSync(openSync(probe, 'wx'));
  } catch (e) {
    fail(
      t,
      `cannot create files in ${dirname(t.path)} (${errno(e)})`,
      'fix its permissions or choose another directory',
    );
  } finally {
    rmSync(probe, { force: true });
  }
  if (t.bytes !== undefined) {
    let free = Number.POSITIVE_INFINITY;
    try {
      const fs = statfsSync(dir);
      free = fs.bavail * fs.bsize;
    } catch {
      /* no free-space figure on this file system: the save itself still fails safely */
    }
    if (free < t.bytes)
      fail(
        t,
        `the file needs about ${mib(t.bytes)} but only ${mib(free)} is free in ${dirname(t.path)}`,
        'free some space or choose another directory',
      );
  }
}

/** Checks every target, and that no two flags name the same file (usage mistake). */
export function checkOutputs(targets: readonly OutputTarget[]): void {
  const seen = new Map<string, string>();
  for (const t of targets) {
    const key = resolve(t.path);
    const other = seen.get(key);
    if (other) throw new UsageError(`${other} and ${t.flag} name the same file ${t.path}; give them different paths`);
    seen.set(key, t.flag);
  }
  for (const t of targets) checkWritable(t);
}
