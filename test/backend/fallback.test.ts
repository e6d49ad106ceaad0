// Backend fallback: when the native addon cannot be loaded, automatic selection moves on to
// the next backend and records why; when the compiler is missing, the install-time build
// still exits 0 with one clear message and leaves any existing addon alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const addonPath = fileURLToPath(new URL('../../native/build/convkit.node', import.meta.url));

interface Probe {
  name: string;
  failure?: string;
  wasmFailure?: string;
  list: string[];
}

/** Runs a snippet with tsx in a fresh process (fresh backend registry) and returns its JSON output. */
function runChild(code: string, env: Record<string, string | undefined>): Probe {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  delete childEnv.CONVKIT_BACKEND;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: root,
    env: childEnv as NodeJS.ProcessEnv,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Probe;
}

const probe = `
import { getBackend, backendFailure, listBackends } from './src/backend/index.ts';
const b = getBackend();
console.log(JSON.stringify({ name: b.name, failure: backendFailure('native'), wasmFailure: backendFailure('wasm'), list: listBackends() }));
`;

test('a missing native addon makes automatic selection fall back to the next backend', () => {
  const missing = '/nonexistent/convkit-test/convkit.node';
  const r = runChild(probe, { CONVKIT_NATIVE_PATH: missing });
  assert.equal(r.list[0], 'native', 'native has the highest priority');
  assert.notEqual(r.name, 'native');
  assert.deepEqual(r.list.slice(1), ['wasm', 'js', 'webgpu']);
  // the next backend in priority order that loads: wasm, or js if wasm failed too
  assert.equal(r.name, r.wasmFailure === undefined ? 'wasm' : 'js');
  assert.ok(r.failure, 'the failure reason is recorded');
  assert.match(r.failure ?? '', /could not be loaded/);
  assert.ok((r.failure ?? '').includes(missing), 'the reason names the path that failed');
});

test('automatic selection prefers the native addon when it loads', () => {
  assert.ok(existsSync(addonPath), `the addon should have been built at install time (${addonPath})`);
  const r = runChild(probe, { CONVKIT_NATIVE_PATH: undefined });
  assert.equal(r.name, 'native');
  assert.equal(r.failure, undefined);
});

test('the install-time build exits 0 with one clear line when the compiler is missing', () => {
  const before = existsSync(addonPath) ? statSync(addonPath).mtimeMs : null;
  const r = spawnSync(process.execPath, ['scripts/build-native.mjs'], {
    cwd: root,
    env: { ...process.env, CXX: '/nonexistent/bin/g++' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `build script must not fail the install: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got: ${r.stdout}`);
  assert.match(lines[0], /native backend not built \(.*compiler '\/nonexistent\/bin\/g\+\+' not found.*wasm\/js/);
  assert.equal(existsSync(addonPath) ? statSync(addonPath).mtimeMs : null, before, 'an existing addon is left alone');
  const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.install, 'node scripts/build-native.mjs', 'npm install runs the build script');
});
