/**
 * The relaxed-SIMD build of the wasm kernels (wasm/build/convkit-fma.wasm: fused multiply-add in
 * the GEMM tile), loaded on request (the `simd: 'relaxed'` option or CONVKIT_WASM_SIMD=relaxed);
 * Node 20 runs it only behind --experimental-wasm-relaxed-simd, so these tests start child
 * processes with that flag: the whole wasm kernel parity suite against the js reference on the
 * relaxed build, which build the option and the variable select (the plain one by default, even
 * where relaxed SIMD runs: it gives the same bits everywhere), and the errors for a build the
 * engine cannot run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { relaxedSimdSupported } from '../../src/backend/wasm/module.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const FLAG = '--experimental-wasm-relaxed-simd';

function run(args: string[], env: Record<string, string>) {
  // without the test runner's own variable, so that a child `node --test` reports to us as TAP
  const { NODE_TEST_CONTEXT: _, ...parent } = process.env;
  return spawnSync(process.execPath, args, {
    cwd: root,
    env: { ...parent, CONVKIT_WASM_SIMD: '', ...env },
    encoding: 'utf8',
    timeout: 300000,
  });
}

const describeSnippet =
  "import { createWasmBackend } from './src/backend/wasm/index.js'; const b = createWasmBackend({ threads: 2 }); await b.ready(); console.log(b.describe()); b.dispose();";

test('the relaxed-SIMD probe agrees with whether this engine validates convkit-fma.wasm', () => {
  const fma = readFileSync(new URL('../../wasm/build/convkit-fma.wasm', import.meta.url));
  const plain = readFileSync(new URL('../../wasm/build/convkit.wasm', import.meta.url));
  assert.equal(relaxedSimdSupported(), WebAssembly.validate(fma));
  assert.equal(WebAssembly.validate(plain), true);
  // the two builds differ (the fused tile), so the probe's answer matters
  assert.notDeepEqual(new Uint8Array(fma), new Uint8Array(plain));
});

test('every wasm kernel matches the reference on the relaxed-SIMD (fused multiply-add) build', () => {
  const r = run([FLAG, '--import', 'tsx', '--test', '--test-reporter=tap', 'test/backend/wasm-kernels.test.ts'], {
    CONVKIT_WASM_SIMD: 'relaxed',
  });
  const passed = Number((r.stdout.match(/^# pass (\d+)/m) ?? [])[1] ?? 0);
  assert.equal(r.status, 0, `the kernel suite failed on the relaxed build:\n${r.stdout.slice(-4000)}\n${r.stderr}`);
  assert.ok(passed >= 20, `only ${passed} kernel tests ran`);
});

test('the plain build by default even where relaxed SIMD runs; the option and CONVKIT_WASM_SIMD choose the relaxed one', () => {
  const plain = run([FLAG, '--import', 'tsx', '--input-type=module', '-e', describeSnippet], {});
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(plain.stdout, /WASM SIMD/);
  assert.doesNotMatch(plain.stdout, /fused multiply-add/);
  const env = run([FLAG, '--import', 'tsx', '--input-type=module', '-e', describeSnippet], {
    CONVKIT_WASM_SIMD: 'relaxed',
  });
  assert.equal(env.status, 0, env.stderr);
  assert.match(env.stdout, /fused multiply-add/);
  const option = run(
    [
      FLAG,
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      describeSnippet.replace('threads: 2', "threads: 2, simd: 'relaxed'"),
    ],
    { CONVKIT_WASM_SIMD: 'simd' },
  );
  assert.equal(option.status, 0, option.stderr);
  assert.match(option.stdout, /fused multiply-add/, 'the option wins over the variable');
});

test('asking for the relaxed build where the engine lacks relaxed SIMD, or for an unknown build, is an error naming CONVKIT_WASM_SIMD', () => {
  if (!relaxedSimdSupported()) {
    const r = run(['--import', 'tsx', '--input-type=module', '-e', describeSnippet], { CONVKIT_WASM_SIMD: 'relaxed' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /CONVKIT_WASM_SIMD is 'relaxed' but this engine does not run relaxed SIMD/);
    const o = run(
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        describeSnippet.replace('threads: 2', "threads: 2, simd: 'relaxed'"),
      ],
      {},
    );
    assert.notEqual(o.status, 0);
    assert.match(o.stderr, /simd: 'relaxed' but this engine does not run relaxed SIMD/);
  }
  const bad = run(['--import', 'tsx', '--input-type=module', '-e', describeSnippet], { CONVKIT_WASM_SIMD: 'fast' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /CONVKIT_WASM_SIMD must be one of 'relaxed', 'simd', got 'fast'/);
});
