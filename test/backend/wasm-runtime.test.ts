/**
 * The wasm backend's runtime behaviour: registration, thread-count control (CONVKIT_THREADS
 * in a child process), falling back to one thread when workers fail to start or shared
 * memory is missing, and bounded memory over many training-like steps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { createJsBackend } from '../../src/backend/js/index.js';
import { listBackends, getBackend, setBackend, backendFailure } from '../../src/backend/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ref = createJsBackend();

/** Runs an ESM snippet under tsx in a child process and returns its stdout. */
function child(code: string, env: Record<string, string>): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** A 150x170x190 GEMM on the backend, checked against the reference. */
function checkGemm(b: ReturnType<typeof createWasmBackend>): void {
  const m = 150,
    n = 170,
    k = 190;
  const a = b.alloc(m * k),
    bb = b.alloc(k * n),
    c = b.alloc(m * n),
    want = new Float32Array(m * n);
  for (let i = 0; i < a.length; i++) a[i] = Math.sin(i);
  for (let i = 0; i < bb.length; i++) bb[i] = Math.cos(i * 0.7);
  b.gemm(false, true, 1, m, n, k, 1, a, 0, 0, bb, 0, 0, 0, c, 0, 0);
  ref.gemm(false, true, 1, m, n, k, 1, a, 0, 0, bb, 0, 0, 0, want, 0, 0);
  let maxDiff = 0,
    maxRef = 0;
  for (let i = 0; i < want.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(c[i] - want[i]));
    maxRef = Math.max(maxRef, Math.abs(want[i]));
  }
  assert.ok(maxDiff <= 1e-4 * maxRef, `gemm max diff ${maxDiff}`);
}

/** Whether a backend ranked above wasm loads here (then it, not wasm, is the default). */
function backendLoads(name: string): boolean {
  const before = getBackend();
  try {
    setBackend(name);
    return true;
  } catch {
    return backendFailure(name) === undefined;
  } finally {
    setBackend(before.name);
  }
}

test('wasm is registered and chosen ahead of js', () => {
  const names = listBackends();
  assert.ok(names.includes('wasm') && names.indexOf('wasm') < names.indexOf('js'), names.join(', '));
  if (!process.env.CONVKIT_BACKEND && !names.slice(0, names.indexOf('wasm')).some((n) => backendLoads(n))) {
    assert.equal(getBackend().name, 'wasm');
  }
});

test('alloc hands out zeroed views into wasm memory', () => {
  const b = createWasmBackend({ threads: 1 });
  const live = b.memoryStats().liveTensors;
  const a = b.alloc(5000);
  assert.ok(a.buffer instanceof SharedArrayBuffer, 'tensor storage is in the shared wasm memory');
  assert.equal(a.length, 5000);
  assert.ok(a.every((v) => v === 0));
  assert.ok(b.alloc(300).buffer instanceof ArrayBuffer, 'small tensors live on the JS heap');
  assert.equal(b.memoryStats().liveTensors, live + 1);
});

test('CONVKIT_THREADS=1 runs single-threaded, CONVKIT_THREADS=2 with one worker', () => {
  const code = `import { createWasmBackend } from './src/backend/wasm/index.ts';
    const b = createWasmBackend(); const n = await b.ready(); console.log(n + '|' + b.describe()); b.dispose();`;
  const one = child(code, { CONVKIT_THREADS: '1' });
  assert.match(one, /^1\|.*1 thread on shared memory/);
  const two = child(code, { CONVKIT_THREADS: '2' });
  assert.match(two, /^2\|.*2 threads on shared memory/);
});

test('a bad CONVKIT_THREADS is reported clearly', () => {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { createWasmBackend } from './src/backend/wasm/index.ts'; createWasmBackend();`,
    ],
    { cwd: root, env: { ...process.env, CONVKIT_THREADS: 'many' }, encoding: 'utf8', timeout: 60000 },
  );
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /CONVKIT_THREADS must be a positive integer, got 'many'/);
});

test('workers that fail to start leave a working single-threaded backend', async () => {
  const b = createWasmBackend({ threads: 2, workerSource: 'throw new Error("simulated worker failure")' });
  assert.equal(await b.ready(), 1);
  assert.equal(b.threads, 1);
  assert.match(b.workerErrors().join(' '), /simulated worker failure/);
  assert.match(b.describe(), /1 thread on shared memory, 2 requested/);
  checkGemm(b);
  b.dispose();
});

test('without SharedArrayBuffer the backend runs single-threaded on copies', () => {
  const out = child(
    `delete globalThis.SharedArrayBuffer;
    const { createWasmBackend } = await import('./src/backend/wasm/index.ts');
    const b = createWasmBackend({ threads: 2 }); const n = await b.ready();
    const a = b.alloc(64 * 64); for (let i = 0; i < a.length; i++) a[i] = i % 5;
    const c = b.alloc(64 * 64); b.gemm(false, false, 1, 64, 64, 64, 1, a, 0, 0, a, 0, 0, 0, c, 0, 0);
    let s = 0; for (let j = 0; j < 64; j++) s += a[j] * a[j * 64];
    console.log(n + '|' + (a.buffer instanceof ArrayBuffer) + '|' + (c[0] === s) + '|' + b.describe());`,
    {},
  );
  assert.match(out, /^1\|true\|true\|.*no shared memory/);
});

test('threaded and single-threaded runs agree with the reference', async () => {
  const b = createWasmBackend({ threads: 2 });
  await b.ready();
  checkGemm(b);
  b.setThreads(1);
  assert.equal(b.threads, 1);
  checkGemm(b);
  b.dispose();
});

test('back-to-back threaded jobs with changing kernels and arguments stay correct', async () => {
  const b = createWasmBackend({ threads: 2 });
  await b.ready();
  const n = 1 << 18; // large enough to be shared with the worker
  const x = b.alloc(n),
    y = b.alloc(n),
    z = b.alloc(n);
  for (let i = 0; i < n; i++) x[i] = i % 97;
  for (let it = 0; it < 300; it++) {
    b.unary('addScalar', x, y, it); // y = x + it
    b.binary('mul', y, [n], x, [n], z, [n]); // z = (x + it) * x
    b.reduce('sum', z, 1, 1, n, y); // y = z (len-1 reduction, another kernel and argument list)
    for (const i of [0, 1, 12345, n - 1])
      assert.equal(y[i], ((i % 97) + it) * (i % 97), `iteration ${it}, element ${i}`);
  }
  b.dispose();
});

test('results do not depend on the batch size or the thread count (bit for bit)', async () => {
  const b = createWasmBackend({ threads: 2 });
  await b.ready();
  // rows of a GEMM, and exp, computed in a large call and in a small one (JS-heap operands)
  const X = new Float32Array(120 * 4).map((_, i) => Math.sin(i)),
    W = new Float32Array(8 * 4).map((_, i) => Math.cos(i));
  const big = new Float32Array(120 * 8),
    small = new Float32Array(20 * 8);
  b.gemm(false, true, 1, 120, 8, 4, 1, X, 0, 0, W, 0, 0, 0, big, 0, 0);
  b.gemm(false, true, 1, 20, 8, 4, 1, X.subarray(400), 0, 0, W, 0, 0, 0, small, 0, 0);
  assert.deepEqual(small, big.subarray(800));
  const e1 = new Float32Array(3000),
    e2 = new Float32Array(30);
  b.unary('exp', X, e1.subarray(0, 480), 0);
  b.unary('exp', X.subarray(0, 30), e2, 0);
  assert.deepEqual(e2, e1.subarray(0, 30));
  // convolution gradients on 1 and 2 threads
  const g = {
    n: 2,
    cIn: 16,
    h: 20,
    w: 20,
    cOut: 24,
    kh: 3,
    kw: 3,
    strideH: 1,
    strideW: 1,
    padTop: 1,
    padLeft: 1,
    dilationH: 1,
    dilationW: 1,
    groups: 1,
    outH: 20,
    outW: 20,
  };
  const x = b.alloc(2 * 16 * 400).map((_, i) => Math.sin(i * 0.3)),
    w = b.alloc(24 * 16 * 9).map((_, i) => Math.cos(i));
  const dy = b.alloc(2 * 24 * 400).map((_, i) => Math.sin(i * 0.7));
  const run = (threads: number): Float32Array[] => {
    b.setThreads(threads);
    const dx = b.alloc(x.length),
      dw = b.alloc(w.length),
      y = b.alloc(dy.length);
    b.conv2d(x, w, null, g, y);
    b.conv2dBackwardData(dy, w, g, dx);
    b.conv2dBackwardWeight(x, dy, g, dw);
    return [y, dx, dw].map((a) => Float32Array.from(a));
  };
  const [one, two] = [run(1), run(2)];
  for (let i = 0; i < 3; i++)
    assert.deepEqual(two[i], one[i], ['conv2d', 'conv2dBackwardData', 'conv2dBackwardWeight'][i]);
  b.dispose();
});

/** One training-like step: allocate a few tensors, run kernels on them, drop them. */
function step(b: ReturnType<typeof createWasmBackend>, size: number): boolean {
  const x = b.alloc(size),
    y = b.alloc(size),
    z = b.alloc(size);
  x[0] = 1;
  b.unary('relu', x, y, 0);
  b.binary('add', x, [size], y, [size], z, [size]);
  return z.buffer instanceof SharedArrayBuffer;
}

test('memory stays bounded over 20,000 steps, synchronous or not', async () => {
  const budgetMB = 1,
    size = 4096; // 16 KiB tensors, 3 per step: 1 GB allocated in all
  const b = createWasmBackend({ threads: 1, memoryBudgetMB: budgetMB });
  const bound = (budgetMB + 40) * 2 ** 20; // budget + scratch/workspace headroom
  // A synchronous loop never lets finalizers run: past the budget tensors go to the JS heap.
  for (let i = 0; i < 10000; i++) step(b, size);
  let s = b.memoryStats();
  assert.ok(s.memoryBytes <= bound, `memory grew to ${s.memoryBytes} bytes`);
  assert.ok(s.fallbacks > 0);
  // A loop that yields now and then lets finalizers return blocks, so tensors go back to wasm.
  let inWasm = 0;
  for (let i = 0; i < 10000; i++) {
    if (step(b, size)) inWasm++;
    if (i % 10 === 9) await new Promise((r) => setImmediate(r));
  }
  s = b.memoryStats();
  assert.ok(s.memoryBytes <= bound, `memory grew to ${s.memoryBytes} bytes`);
  const fit = Math.floor((budgetMB * 2 ** 20) / (size * 4));
  // reuse shows: more outputs landed in wasm memory than the budget holds without reclaiming
  assert.ok(inWasm > 2 * fit, `only ${inWasm} of 10000 step outputs were in wasm memory (${fit} fit without reuse)`);
});

test('initWasmBackend fetches the module over HTTP, registers and selects it', async () => {
  const { createServer } = await import('node:http');
  const { readFileSync } = await import('node:fs');
  const { initWasmBackend } = await import('../../src/backend/wasm/init.js');
  const bytes = readFileSync(new URL('../../wasm/build/convkit.wasm', import.meta.url));
  const server = createServer((req, res) => {
    if (req.url === '/convkit.wasm') {
      res.writeHead(200, { 'content-type': 'application/wasm' });
      res.end(bytes);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const before = getBackend().name;
  try {
    await assert.rejects(initWasmBackend(`http://127.0.0.1:${port}/missing.wasm`), /HTTP 404/);
    const b = await initWasmBackend(`http://127.0.0.1:${port}/convkit.wasm`, { threads: 1 });
    assert.equal(getBackend(), b);
    assert.equal(b.name, 'wasm');
    checkGemm(b);
  } finally {
    server.close();
    setBackend(before);
  }
});
