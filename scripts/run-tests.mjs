#!/usr/bin/env node
// Runs the tests with node's test runner (Node 20 does not expand globs itself), in two tiers.
//
//   node scripts/run-tests.mjs              fast tier (npm test): every in-process test file,
//                                           on the best backend; test/backend compares every
//                                           backend's kernels with the reference
//   node scripts/run-tests.mjs --slow       slow tier (npm run test:slow): the slow files on the
//                                           best backend, then the backend-dependent suites
//                                           (both tiers) again on every other backend that loads
//   node scripts/run-tests.mjs --all        both tiers (what CI runs, as two steps)
//   node scripts/run-tests.mjs test/nn ...  only these files or folders (both tiers), on the
//                                           current backend (CONVKIT_BACKEND=wasm to choose)
//   node scripts/run-tests.mjs --list       which tier each test file is in
//
// The tier is decided here and only here: a file is slow when its name ends in .slow.test.ts
// (CLI spawns, soaks, example builds: anything that starts processes or runs for long).
// Everything else must stay fast and in-process.
// Ends with one plain line "N passed, N failed" summing every pass.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

// Slow files (CLI spawns, soaks, examples) are named *.slow.test.ts: the name is the tier.

// suites whose results depend on the compute backend; test/backend compares backends itself
const BACKEND_SUITES = [
  'test/tensor',
  'test/autograd',
  'test/nn',
  'test/golden',
  'test/lecture',
  'test/optim',
  'test/train',
  'test/models',
];

const isSlow = (f) => f.endsWith('.slow.test.ts');

function collect(p) {
  if (!existsSync(p)) {
    console.error(`run-tests: no such file or folder: ${p}`);
    process.exit(2);
  }
  if (statSync(p).isFile()) return p.endsWith('.test.ts') ? [p] : [];
  return readdirSync(p)
    .sort()
    .flatMap((f) => collect(join(p, f)));
}

// Test files run in parallel child processes. Node's default (cores - 1) would run one at a time on
// a 2-core machine, where most of a file's time is single-threaded (loading TypeScript included).
const concurrency = Math.max(2, availableParallelism() - 1);
let tmp = null; // made by the first run
let passed = 0,
  failed = 0,
  passes = 0;

function run(label, files, env = {}) {
  if (files.length === 0) {
    console.error(`run-tests: no test files for ${label}`);
    failed++;
    return;
  }
  tmp ??= mkdtempSync(join(tmpdir(), 'convkit-tests-'));
  const tap = join(tmp, `pass-${++passes}.tap`);
  console.log(`\n=== ${label}: ${files.length} test files ===`);
  const t0 = Date.now();
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      `--test-concurrency=${concurrency}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...files,
    ],
    { stdio: 'inherit', env: { ...process.env, ...env } },
  );
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (k) => Number((text.match(new RegExp(`^# ${k} (\\d+)`, 'm')) ?? [])[1] ?? 0);
  const p = count('pass'),
    f = count('fail') + count('cancelled');
  passed += p;
  failed += f;
  if (r.status !== 0 && f === 0) failed++; // the runner failed without reporting a test failure
  console.log(`=== ${label}: ${p} passed, ${f} failed, ${((Date.now() - t0) / 1000).toFixed(0)} s ===`);
  // the slowest top-level tests, so a test that grows too slow for the fast tier is seen
  const timed = [...text.matchAll(/^(?:not )?ok \d+ - (.*)\n {2}---\n {2}duration_ms: ([\d.]+)/gm)]
    .map((m) => [Number(m[2]) / 1000, m[1]])
    .sort((a, b) => b[0] - a[0])
    .slice(0, 5);
  if (timed.length > 0)
    console.log(`slowest tests:\n${timed.map(([sec, name]) => `${sec.toFixed(1).padStart(7)} s  ${name}`).join('\n')}`);
}

/** Which backends load here (asked of a child with the TypeScript loader), best first. */
function backends() {
  const probe = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      "import * as b from './src/backend/index.ts'; const main = b.getBackend().name;" +
        ' const ok = b.listBackends().filter((n) => { try { b.setBackend(n); return true; } catch { return false; } });' +
        ' console.log(JSON.stringify({ main, ok }));',
    ],
    { encoding: 'utf8' },
  );
  try {
    const info = JSON.parse(probe.stdout.trim().split('\n').pop());
    return { main: info.main, others: info.ok.filter((n) => n !== info.main) };
  } catch {
    console.error(`run-tests: could not list backends: ${probe.stderr}`);
    failed++;
    return { main: 'auto', others: [] };
  }
}

const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const paths = args.filter((a) => !a.startsWith('--'));
for (const f of flags) {
  if (!['--slow', '--all', '--list'].includes(f)) {
    console.error(`run-tests: unknown option ${f} (use --slow, --all, --list or test paths)`);
    process.exit(2);
  }
}
if (flags.has('--list')) {
  // which tier each file is in, without running anything
  const all = collect('test');
  console.log(
    `fast tier:\n${all
      .filter((f) => !isSlow(f))
      .map((f) => `  ${f}`)
      .join('\n')}`,
  );
  console.log(
    `slow tier:\n${all
      .filter(isSlow)
      .map((f) => `  ${f}`)
      .join('\n')}`,
  );
  console.log(`slow tier, again on every backend but the best:\n${BACKEND_SUITES.map((f) => `  ${f}`).join('\n')}`);
  process.exit(0);
}
if (paths.length > 0) {
  if (flags.size > 0) {
    console.error('run-tests: give either test paths or --slow/--all, not both');
    process.exit(2);
  }
  run('selected tests', paths.flatMap(collect));
} else {
  const all = collect('test');
  const { main, others } = backends();
  if (!flags.has('--slow'))
    run(
      `fast tier (backend ${main})`,
      all.filter((f) => !isSlow(f)),
    );
  if (flags.has('--slow') || flags.has('--all')) {
    run(`slow tier (backend ${main})`, all.filter(isSlow));
    const dependent = BACKEND_SUITES.flatMap(collect);
    for (const name of others)
      run(`slow tier: backend-dependent tests on ${name}`, dependent, { CONVKIT_BACKEND: name });
  }
}
if (tmp) rmSync(tmp, { recursive: true, force: true });
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
