/**
 * The wasm backend's threaded GEMM (C split into row x column blocks, one per share) and
 * convolutions give the same bits on 2 threads as on 1: every element keeps its order of
 * accumulation whatever the split. Shapes past the threading threshold (2^20 multiply-adds),
 * with transposes, batches and beta, where the block grid is 1-D or 2-D.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Conv2dGeometry } from '../../src/backend/backend.js';
import { createWasmBackend, type WasmBackend } from '../../src/backend/wasm/index.js';

let one: WasmBackend, two: WasmBackend;
before(async () => {
  one = createWasmBackend({ threads: 1, smallTensor: 0 });
  two = createWasmBackend({ threads: 2, smallTensor: 0 });
  await Promise.all([one.ready(), two.ready()]);
});
after(() => {
  one.dispose();
  two.dispose();
});

function data(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.731 + seed);
  return a;
}

/** The first differing element, or -1. */
function firstDiff(a: Float32Array, b: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

test('two threads run the kernels below on two threads', () => {
  assert.equal(two.threads, 2, `workers: ${two.workerErrors().join('; ')}`);
});

test('gemm: the same bits on 1 and 2 threads (1-D and 2-D splits, transposes, batches, beta)', () => {
  const cases: [boolean, boolean, number, number, number, number, number][] = [
    [false, false, 1, 300, 200, 150, 0],
    [false, true, 1, 64, 120, 400, 0], // a Linear layer's forward at batch 64
    [true, false, 1, 120, 400, 64, 0], // its weight gradient
    [false, false, 1, 16, 1000, 200, 1], // wide: column split
    [true, true, 1, 900, 12, 300, 0.5], // tall: row split
    [false, false, 3, 70, 90, 80, 0], // batch < 2 x shares: each matrix split
  ];
  for (const [ta, tb, batch, m, n, k, beta] of cases) {
    const a = data(batch * m * k, 1),
      b = data(batch * k * n, 2);
    const c1 = data(batch * m * n, 3),
      c2 = Float32Array.from(c1);
    one.gemm(ta, tb, batch, m, n, k, 1, a, 0, m * k, b, 0, k * n, beta, c1, 0, m * n);
    two.gemm(ta, tb, batch, m, n, k, 1, a, 0, m * k, b, 0, k * n, beta, c2, 0, m * n);
    const i = firstDiff(c1, c2);
    assert.equal(i, -1, `gemm ${m}x${n}x${k} tA=${ta} tB=${tb} batch ${batch}: element ${i} ${c1[i]} vs ${c2[i]}`);
  }
});

test('conv2d, conv2dAct and both gradients: the same bits on 1 and 2 threads', () => {
  const g: Conv2dGeometry = {
    n: 3,
    cIn: 16,
    h: 20,
    w: 18,
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
    outW: 18,
  };
  const x = data(g.n * g.cIn * g.h * g.w, 4),
    w = data(g.cOut * g.cIn * 9, 5),
    bias = data(g.cOut, 6),
    dy = data(g.n * g.cOut * g.outH * g.outW, 7);
  const run = (b: WasmBackend): Float32Array[] => {
    const y = new Float32Array(dy.length),
      ya = new Float32Array(dy.length),
      dx = new Float32Array(x.length),
      dw = new Float32Array(w.length);
    b.conv2d(x, w, bias, g, y);
    b.conv2dAct(x, w, bias, g, 'relu', 0, ya);
    b.conv2dBackwardData(dy, w, g, dx);
    b.conv2dBackwardWeight(x, dy, g, dw);
    return [y, ya, dx, dw];
  };
  const r1 = run(one),
    r2 = run(two);
  ['conv2d', 'conv2dAct', 'conv2dBackwardData', 'conv2dBackwardWeight'].forEach((name, j) => {
    const i = firstDiff(r1[j], r2[j]);
    assert.equal(i, -1, `${name}: element ${i} ${r1[j][i]} vs ${r2[j][i]}`);
  });
});
