#!/usr/bin/env node
// Runs the test suite with node's test runner (Node 20 does not expand globs itself).
//
//   node scripts/run-tests.mjs              the whole suite on the best backend, then the
//                                           backend-dependent suites again on every other
//                                           backend that loads (CI runs this)
//   node scripts/run-tests.mjs test/nn ...  only these files or folders, on the current backend
//
// Ends with one plain line "N passed, N failed" summing every pass.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function collect(p) {
  if (!existsSync(p)) { console.error(`run-tests: no such file or folder: ${p}`); process.exit(1); }
  if (statSync(p).isFile()) return p.endsWith('.test.ts') ? [p] : [];
  return readdirSync(p).sort().flatMap((f) => collect(join(p, f)));
}

// suites whose results depend on the compute backend; test/backend compares backends itself
const BACKEND_SUITES = ['test/tensor', 'test/autograd', 'test/nn', 'test/golden', 'test/lecture', 'test/optim', 'test/train', 'test/models'];

const tmp = mkdtempSync(join(tmpdir(), 'convkit-tests-'));
let passed = 0, failed = 0, passes = 0;

function run(label, files, env = {}) {
  if (files.length === 0) { console.error(`run-tests: no test files for ${label}`); failed++; return; }
  const tap = join(tmp, `pass-${++passes}.tap`);
  console.log(`\n=== ${label}: ${files.length} test files ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files],
  { stdio: 'inherit', env: { ...process.env, ...env } });
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (k) => Number((text.match(new RegExp(`^# ${k} (\\d+)`, 'm')) ?? [])[1] ?? 0);
  const p = count('pass'), f = count('fail') + count('cancelled');
  passed += p; failed += f;
  if (r.status !== 0 && f === 0) failed++; // the runner failed without reporting a test failure
  console.log(`=== ${label}: ${p} passed, ${f} failed ===`);
}

const args = process.argv.slice(2);
if (args.length > 0) {
  run('selected tests', args.flatMap(collect));
} else {
  // ask a child (with the TypeScript loader) which backends load here, best first
  const probe = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e',
    "import * as b from './src/backend/index.ts'; const main = b.getBackend().name;" +
    " const ok = b.listBackends().filter((n) => { try { b.setBackend(n); return true; } catch { return false; } });" +
    " console.log(JSON.stringify({ main, ok }));"], { encoding: 'utf8' });
  let main = 'auto', others = [];
  try {
    const info = JSON.parse(probe.stdout.trim().split('\n').pop());
    main = info.main;
    others = info.ok.filter((n) => n !== main);
  } catch { console.error(`run-tests: could not list backends: ${probe.stderr}`); failed++; }
  run(`all tests (backend ${main ?? 'auto'})`, collect('test'));
  for (const name of others) run(`backend-dependent tests on ${name}`, BACKEND_SUITES.flatMap(collect), { CONVKIT_BACKEND: name });
}
rmSync(tmp, { recursive: true, force: true });
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
