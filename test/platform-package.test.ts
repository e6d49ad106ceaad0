/**
 * What the package ships for browsers, checked in Node: the wasm module embedded as an ES
 * module is the built one (scripts/embed-wasm.mjs), jpeg-js vendored as an ES module is the
 * published code unchanged (scripts/vendor-jpeg-js.mjs) and decodes and encodes exactly as the
 * CommonJS package does, the wasm worker pool pauses, resumes and is disposed, and Node-only
 * functions name themselves and their browser alternative. Bundling is in architecture*.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import jpegCjs from 'jpeg-js';
import { renderEmbeddedWasm, wasmPath, fmaWasmPath, embeddedPath } from '../scripts/embed-wasm.mjs';
import { renderJpegJs, vendoredPath } from '../scripts/vendor-jpeg-js.mjs';
import * as jpegEsm from '../src/vision/generated/jpeg-js.js';
import { embeddedWasmBytes } from '../src/backend/wasm/module.js';
import { createWasmBackend } from '../src/backend/wasm/index.js';
import { createJsBackend } from '../src/backend/js/index.js';
import { BROWSER_ALTERNATIVES, nodeOnlyError } from '../src/platform.js';
import { disposeBackend, getBackend, ready, setBackend, matmul, randn, initWasmBackend } from '../src/index.js';
import type { WasmBackend } from '../src/index.js';

test('the embedded wasm modules are wasm/build/convkit.wasm and convkit-fma.wasm as built (npm run build regenerates them)', () => {
  const built = readFileSync(wasmPath);
  const builtFma = readFileSync(fmaWasmPath);
  assert.equal(
    readFileSync(embeddedPath, 'utf8'),
    renderEmbeddedWasm(built, builtFma),
    'src/backend/wasm/generated/module-bytes.ts is stale: run node scripts/embed-wasm.mjs',
  );
  assert.deepEqual(embeddedWasmBytes('simd'), new Uint8Array(built));
  assert.deepEqual(embeddedWasmBytes('relaxed'), new Uint8Array(builtFma));
  // by default the plain build (the same bits on every engine), whatever the engine runs
  assert.equal(embeddedWasmBytes(), embeddedWasmBytes('simd'));
});

test('the vendored jpeg-js is the installed package, unchanged (node scripts/vendor-jpeg-js.mjs regenerates it)', () => {
  assert.equal(
    readFileSync(vendoredPath, 'utf8'),
    renderJpegJs(),
    'src/vision/generated/jpeg-js.ts is stale: run node scripts/vendor-jpeg-js.mjs',
  );
  assert.ok(!readFileSync(vendoredPath, 'utf8').includes('require('), 'no CommonJS require in the ES module');
});

test('the vendored jpeg-js encodes and decodes byte for byte as the CommonJS package, with no Buffer and no global', () => {
  const w = 37,
    h = 23;
  const rgba = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    rgba[4 * i] = (i * 7) % 256;
    rgba[4 * i + 1] = (i * 13) % 256;
    rgba[4 * i + 2] = (i * 29) % 256;
    rgba[4 * i + 3] = 255;
  }
  const mine = jpegEsm.encode({ data: rgba, width: w, height: h }, 85);
  const theirs = jpegCjs.encode({ data: rgba, width: w, height: h }, 85);
  assert.equal(Object.getPrototypeOf(mine.data), Uint8Array.prototype, 'a plain Uint8Array, not a Buffer');
  assert.deepEqual(mine.data, new Uint8Array(theirs.data));
  const opts = { useTArray: true, formatAsRGBA: false } as const;
  const a = jpegEsm.decode(mine.data, opts);
  const b = jpegCjs.decode(theirs.data, opts);
  assert.equal(a.width, w);
  assert.equal(a.height, h);
  assert.deepEqual(a.data, b.data);
  assert.equal((globalThis as { 'jpeg-js'?: unknown })['jpeg-js'], undefined);
});

/** A 200x200 matmul on the backend, checked against the reference. */
function checkGemm(b: WasmBackend): void {
  const n = 200;
  const x = b.alloc(n * n),
    y = b.alloc(n * n),
    z = b.alloc(n * n),
    want = new Float32Array(n * n);
  for (let i = 0; i < x.length; i++) {
    x[i] = Math.sin(i);
    y[i] = Math.cos(i * 0.3);
  }
  b.gemm(false, false, 1, n, n, n, 1, x, 0, 0, y, 0, 0, 0, z, 0, 0);
  createJsBackend().gemm(false, false, 1, n, n, n, 1, x, 0, 0, y, 0, 0, 0, want, 0, 0);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(z[i] - want[i]) <= 1e-3, `gemm differs at ${i}`);
}

test('the wasm worker pool pauses (threads end, kernels run on this thread), resumes and is disposed', async () => {
  const b = createWasmBackend({ threads: 2 });
  assert.equal(await b.ready(), 2);
  assert.equal(b.threads, 2);
  b.pause();
  assert.equal(b.threads, 1, 'paused: the calling thread only, at once');
  await b.stopped();
  checkGemm(b);
  const resumed = b.resume();
  assert.equal(await b.ready(), 2, 'ready() waits for the resumed workers');
  assert.equal(await resumed, 2);
  assert.equal(b.threads, 2);
  checkGemm(b);
  b.pause();
  b.pause();
  assert.equal(await b.resume(), 2, 'pause twice, resume once');
  b.dispose();
  await b.stopped();
  assert.equal(b.threads, 1);
  checkGemm(b);
});

test('disposeBackend() stops the threads and forgets the backend; the next op starts a new one and old tensors still work', async () => {
  setBackend('wasm');
  const first = (await ready()) as WasmBackend;
  assert.equal(first, getBackend());
  assert.equal(first.name, 'wasm');
  const x = randn([120, 120]);
  const before = matmul(x, x).toArray();
  await disposeBackend();
  assert.equal(first.threads, 1, 'the disposed backend has no worker threads left');
  setBackend('wasm');
  const second = getBackend() as WasmBackend;
  assert.notEqual(second, first, 'a new backend');
  assert.deepEqual(matmul(x, x).toArray(), before, 'a tensor made before dispose is still usable');
  await disposeBackend();
});

test("Node-only functions name themselves and a browser alternative: '<fn> needs Node's file system; in a browser use ...'", async () => {
  assert.equal(
    nodeOnlyError('loadMnist').message,
    "loadMnist needs Node's file system; in a browser use data.mnistFromBytes(images, labels) on fetched bytes or a File",
  );
  // every alternative names a function that exists (data.x / io.x) in the public API
  const api = await import('../src/index.js');
  for (const [fn, alt] of Object.entries(BROWSER_ALTERNATIVES)) {
    for (const [, ns, name] of alt.matchAll(/\b(data|io|train)\.(\w+)/g)) {
      const space = (api as unknown as Record<string, Record<string, unknown>>)[ns];
      assert.equal(typeof space[name], 'function', `${fn}: the alternative ${ns}.${name} is not in the API`);
    }
  }
});

test('initWasmBackend() still selects the wasm backend: the embedded module, or one read from a URL (the convkit/wasm/convkit.wasm subpath)', async () => {
  const b = await initWasmBackend();
  assert.equal(b.name, 'wasm');
  assert.equal(getBackend(), b);
  await disposeBackend();
  const fromUrl = await initWasmBackend(new URL('../wasm/build/convkit.wasm', import.meta.url), { threads: 2 });
  assert.equal(fromUrl.threads, 2);
  checkGemm(fromUrl);
  await disposeBackend();
  setBackend('wasm');
  const again = (await ready()) as WasmBackend;
  assert.notEqual(again, fromUrl, 'after disposeBackend() the next op gets a fresh backend');
  assert.equal(again.threads, 2, 'with the options given to initWasmBackend');
  await assert.rejects(
    initWasmBackend(new URL('../wasm/build/missing.wasm', import.meta.url)),
    /wasm backend: cannot read .*missing\.wasm/,
  );
  await disposeBackend();
});

test("convkit/node (package.json exports) lists the Node-only functions of the package's namespaces", async () => {
  const node = (await import('convkit/node')) as Record<string, unknown>;
  const lib = (await import('convkit')) as unknown as Record<string, Record<string, unknown>>;
  assert.equal(node.loadMnist, lib.data.loadMnist);
  assert.equal(node.loadWeights, lib.train.loadWeights);
  assert.equal(node.loadSafetensors, lib.io.loadSafetensors);
  assert.ok(Object.keys(node).length >= 10);
});
