/** Runs the built CLI (`node dist/cli/main.js`, as the package's bin does) in a directory; build with `npx tsc -p tsconfig.json` first. */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root and its built CLI entry point. */
export const root = fileURLToPath(new URL('../..', import.meta.url));
export const mainJs = join(root, 'dist', 'cli', 'main.js');

/** What a CLI run returned. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli/main.js ...args` in cwd (NO_COLOR, a 3-minute limit); extra spawn options such as uid pass through. */
export function runCli(
  cwd: string,
  args: string[],
  options: Pick<SpawnSyncOptions, 'uid' | 'gid' | 'env'> = {},
): CliResult {
  if (!existsSync(mainJs))
    throw new Error(`${mainJs} is missing: build it first (npm run build, or npx tsc -p tsconfig.json)`);
  const r = spawnSync(process.execPath, [mainJs, ...args], {
    encoding: 'utf8',
    timeout: 180_000,
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid } : {}),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temporary directory, removed when the test file ends. */
export function tempDir(after: (fn: () => void) => void, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Asserts-friendly check that stderr is one line with no stack trace. */
export function oneLine(stderr: string): boolean {
  const lines = stderr.trimEnd().split('\n');
  return lines.length === 1 && !/\n\s+at /.test(stderr);
}

/** A pid that no longer exists: a child that has already exited. */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid ?? 999_999_999;
}
