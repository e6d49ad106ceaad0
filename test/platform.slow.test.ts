/**
 * The platform rules seen from fresh processes: one thread-count rule on the native and wasm
 * backends (CONVKIT_THREADS refused alike when not a positive integer, capped at the logical
 * cores with one warning), `convkit info` giving the real thread counts and the install-time
 * reason a native build failed, and CONVKIT_MAX_TENSOR_MB lowering the allocation limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cores = availableParallelism();

/** Runs a module snippet with tsx in a fresh process (fresh backend registry). */
function child(
  code: string,
  env: Record<string, string | undefined>,
): { status: number | null; stdout: string; stderr: string } {
  const e: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k];
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: root,
    env: e as NodeJS.ProcessEnv,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const backendProbe = (name: string): string => `import { setBackend } from './src/backend/index.ts';
const b = setBackend('${name}');
const n = typeof b.ready === 'function' ? await b.ready() : undefined;
console.log(JSON.stringify({ describe: b.describe(), ready: n }));`;

test('CONVKIT_THREADS=0, abc, -1 are refused with the same message on native and wasm', () => {
  const addon = join(root, 'native', 'build', 'convkit.node');
  assert.ok(existsSync(addon), `the native addon should have been built (${addon})`);
  for (const bad of ['0', 'abc', '-1']) {
    const messages = ['native', 'wasm'].map((name) => {
      const r = child(backendProbe(name), { CONVKIT_THREADS: bad, CONVKIT_BACKEND: undefined });
      assert.notEqual(r.status, 0, `${name} with CONVKIT_THREADS=${bad} must fail: ${r.stdout}`);
      const m = r.stderr.match(/CONVKIT_THREADS must be a positive integer, got '[^']*'/);
      assert.ok(m, `${name}: ${r.stderr}`);
      return m[0];
    });
    assert.equal(messages[0], messages[1]);
    assert.equal(messages[0], `CONVKIT_THREADS must be a positive integer, got '${bad}'`);
  }
  // automatic selection does not fall back to the js backend on a bad setting
  const auto = child(`import { getBackend } from './src/backend/index.ts'; console.log(getBackend().name);`, {
    CONVKIT_THREADS: 'abc',
    CONVKIT_BACKEND: undefined,
  });
  assert.notEqual(auto.status, 0, `auto selection must refuse CONVKIT_THREADS=abc, chose ${auto.stdout}`);
  assert.match(auto.stderr, /CONVKIT_THREADS must be a positive integer, got 'abc'/);
});

test('CONVKIT_THREADS above the logical cores runs on the cores, with one warning', () => {
  const many = String(cores * 32);
  for (const name of ['native', 'wasm']) {
    const r = child(backendProbe(name), { CONVKIT_THREADS: many, CONVKIT_BACKEND: undefined });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { describe: string; ready?: number };
    const expected = name === 'wasm' ? Math.min(cores, 16) : cores;
    assert.match(out.describe, new RegExp(`\\b${expected} threads?\\b`), `${name}: ${out.describe}`);
    if (name === 'wasm') assert.equal(out.ready, expected);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('warning'));
    assert.deepEqual(warnings, [
      `convkit: warning: CONVKIT_THREADS=${many} is more than the ${cores} logical core${cores === 1 ? '' : 's'} here; using ${cores}`,
    ]);
  }
  // both backends loaded in one process: still one warning
  const both = child(
    `${backendProbe('native')}\n{ const { setBackend: s } = await import('./src/backend/index.ts'); const w = s('wasm'); await w.ready(); }`,
    { CONVKIT_THREADS: many, CONVKIT_BACKEND: undefined },
  );
  assert.equal(both.status, 0, both.stderr);
  assert.equal(both.stderr.split('\n').filter((l) => l.includes('warning')).length, 1, both.stderr);
});

/** Runs the CLI from the sources. */
function cli(
  args: string[],
  env: Record<string, string | undefined>,
): { status: number | null; stdout: string; stderr: string } {
  const e: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k];
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), ...args], {
    cwd: root,
    env: e as NodeJS.ProcessEnv,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface InfoJson {
  backends: { name: string; available: boolean; description?: string; threads?: number; reason?: string }[];
}

test('convkit info reports the real thread count of each backend', () => {
  const r = cli(['info', '--json'], { CONVKIT_THREADS: String(cores * 32), CONVKIT_BACKEND: undefined });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout) as InfoJson;
  const byName = Object.fromEntries(info.backends.map((b) => [b.name, b]));
  assert.equal(byName.native?.threads, cores, JSON.stringify(byName.native));
  assert.equal(byName.wasm?.threads, Math.min(cores, 16), JSON.stringify(byName.wasm));
  assert.equal(byName.js?.threads, 1);
  assert.match(byName.wasm?.description ?? '', new RegExp(`\\b${Math.min(cores, 16)} threads?\\b`));
});

test('convkit info gives the install-time reason when the native build failed', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'convkit-native-fail-'));
  try {
    // a copy of the install scripts builds into tmp/native/build; the compiler is missing
    cpSync(join(root, 'scripts'), join(tmp, 'scripts'), { recursive: true });
    cpSync(join(root, 'native', 'src'), join(tmp, 'native', 'src'), { recursive: true });
    const build = spawnSync(process.execPath, [join(tmp, 'scripts', 'build-native.mjs')], {
      cwd: tmp,
      env: { ...process.env, CXX: '/nonexistent/bin/g++' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(build.status, 0, build.stderr);
    const addon = join(tmp, 'native', 'build', 'convkit.node');
    assert.equal(existsSync(addon), false);
    assert.match(
      readFileSync(join(tmp, 'native', 'build', 'build-failure.txt'), 'utf8'),
      /compiler '\/nonexistent\/bin\/g\+\+' not found/,
    );
    const r = cli(['info', '--json'], { CONVKIT_NATIVE_PATH: addon, CONVKIT_BACKEND: undefined });
    assert.equal(r.status, 0, r.stderr);
    const native = (JSON.parse(r.stdout) as InfoJson).backends.find((b) => b.name === 'native');
    assert.equal(native?.available, false);
    assert.match(
      native?.reason ?? '',
      /^native addon was not built at install: (\S+: )?compiler '\/nonexistent\/bin\/g\+\+' not found; fix that and run 'node scripts\/build-native.mjs'$/,
    );
    assert.doesNotMatch(native?.reason ?? '', /Cannot find module/);
    const text = cli(['info'], { CONVKIT_NATIVE_PATH: addon, CONVKIT_BACKEND: undefined });
    assert.match(
      text.stdout,
      /✗ native\s+native addon was not built at install: (\S+: )?compiler '\/nonexistent\/bin\/g\+\+' not found/,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('CONVKIT_MAX_TENSOR_MB lowers the per-tensor limit (and a bad value is named)', () => {
  const code = `import { zeros, ones } from './src/index.ts';
    console.log(zeros([512, 512]).size);
    try { ones([1024, 1024]); console.log('allocated'); } catch (e) { console.log(e.message); }
    try { zeros([1, 1024]).add(zeros([512, 1])); console.log('allocated'); } catch (e) { console.log(e.message); }`;
  const r = child(code, { CONVKIT_MAX_TENSOR_MB: '1' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), [
    '262144',
    'ones: shape [1024, 1024] needs 4.00 MiB, more than CONVKIT_MAX_TENSOR_MB=1 allows per tensor',
    'add: shape [512, 1024] needs 2.00 MiB, more than CONVKIT_MAX_TENSOR_MB=1 allows per tensor',
  ]);
  const bad = child(code, { CONVKIT_MAX_TENSOR_MB: 'lots' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /CONVKIT_MAX_TENSOR_MB must be a non-negative number, got 'lots'/);
});

test('a malformed variable makes the CLI fail with one line naming it, no stack trace', () => {
  const cases: [Record<string, string>, string[], RegExp][] = [
    [{ CONVKIT_THREADS: 'abc' }, ['info'], /^convkit info: CONVKIT_THREADS must be a positive integer, got 'abc'/],
    [
      { CONVKIT_POOL: 'off' },
      ['summary', '--model', 'lenet5'],
      /^convkit summary: CONVKIT_POOL must be one of '1', '0', 'poison', got 'off'/,
    ],
    [
      { CONVKIT_MAX_TENSOR_MB: 'x' },
      ['summary', '--model', 'lenet5'],
      /^convkit summary: CONVKIT_MAX_TENSOR_MB must be a non-negative number, got 'x'/,
    ],
    [
      { CONVKIT_NATIVE_ISA: 'sse9' },
      ['info'],
      /^convkit info: CONVKIT_NATIVE_ISA must be one of 'avx512', 'avx2', 'portable', got 'sse9'/,
    ],
  ];
  for (const [env, args, want] of cases) {
    const r = cli(args, { ...env, CONVKIT_BACKEND: undefined, CONVKIT_DEBUG: undefined });
    assert.equal(r.status, 1, `${JSON.stringify(env)}: ${r.stdout}${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], want);
  }
});
