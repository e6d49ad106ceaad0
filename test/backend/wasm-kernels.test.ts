/**
 * Every wasm kernel against the reference js backend on randomized shapes (odd sizes,
 * transposes, strides, asymmetric padding, dilation, groups, depthwise, batch 1, pooling
 * variants), on a threaded backend and on a single-threaded one, with operands both in wasm
 * memory (from alloc) and on the JS heap (copied in by the backend).
 *
 * Tolerance: GEMM and convolution results are compared normwise, max|got - want| <=
 * 1e-4 * max|want|, because float32 accumulation in a different order (the reference sums
 * GEMM rows in float64) differs by ~k * 2^-24 relative to the magnitude of the terms, not
 * of a result that cancels to near zero. Elementwise results are compared per element
 * with rtol 1e-4 (atol 1e-6 for results near zero).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWasmBackend, type WasmBackend } from '../../src/backend/wasm/index.js';
import { createJsBackend } from '../../src/backend/js/index.js';
import type {
  Backend,
  BinaryOp,
  Conv2dGeometry,
  Pool2dGeometry,
  ReduceOp,
  UnaryOp,
} from '../../src/backend/backend.js';
import { BINARY_OPS, REDUCE_OPS, UNARY_OPS, unarySpec } from '../../src/backend/ops.js';

const ref = createJsBackend();

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
const rnd = lcg(20261122);
const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

/** Random data in [-1, 1), in storage from `b` (wasm memory) or the JS heap. */
function data(n: number, b: Backend | null, scale = 1): Float32Array {
  const a = b ? b.alloc(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rnd() * 2 - 1) * scale;
  return a;
}

function normwise(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let maxDiff = 0,
    maxRef = 0;
  for (let i = 0; i < want.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
    maxRef = Math.max(maxRef, Math.abs(want[i]));
    if (Number.isNaN(got[i]) !== Number.isNaN(want[i])) assert.fail(`${what}: NaN mismatch at ${i}`);
  }
  assert.ok(maxDiff <= 1e-4 * Math.max(maxRef, 1e-30), `${what}: max diff ${maxDiff} vs max |ref| ${maxRef}`);
}

function elementwise(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i],
      w = want[i];
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (g === w) continue;
    if (!(Math.abs(g - w) <= 1e-6 + 1e-4 * Math.abs(w))) assert.fail(`${what}: element ${i} got ${g}, want ${w}`);
  }
}

function convGeometry(
  n: number,
  cIn: number,
  h: number,
  w: number,
  cOut: number,
  kh: number,
  kw: number,
  sH: number,
  sW: number,
  pads: [number, number, number, number],
  dH: number,
  dW: number,
  groups: number,
): Conv2dGeometry {
  const [pt, pb, pl, pr] = pads;
  const outH = Math.floor((h + pt + pb - dH * (kh - 1) - 1) / sH) + 1;
  const outW = Math.floor((w + pl + pr - dW * (kw - 1) - 1) / sW) + 1;
  return {
    n,
    cIn,
    h,
    w,
    cOut,
    kh,
    kw,
    strideH: sH,
    strideW: sW,
    padTop: pt,
    padLeft: pl,
    dilationH: dH,
    dilationW: dW,
    groups,
    outH,
    outW,
  };
}

/** Conv cases: fixed edge cases plus random ones. */
function convCases(): Conv2dGeometry[] {
  const cases = [
    convGeometry(1, 3, 7, 9, 5, 3, 3, 1, 1, [1, 1, 1, 1], 1, 1, 1), // batch 1, same padding
    convGeometry(2, 4, 11, 8, 6, 3, 2, 2, 1, [0, 2, 1, 0], 1, 1, 2), // stride, asymmetric pad, groups
    convGeometry(2, 6, 9, 10, 6, 3, 3, 1, 2, [2, 2, 2, 2], 2, 2, 6), // depthwise, dilation
    convGeometry(3, 8, 6, 6, 12, 1, 1, 1, 1, [0, 0, 0, 0], 1, 1, 1), // 1x1 (no im2col)
    convGeometry(2, 4, 5, 5, 8, 1, 1, 1, 1, [0, 0, 0, 0], 1, 1, 4), // grouped 1x1
    convGeometry(1, 2, 4, 4, 3, 5, 5, 1, 1, [2, 2, 2, 2], 1, 1, 1), // kernel as large as input
    convGeometry(2, 16, 20, 20, 24, 3, 3, 1, 1, [1, 1, 1, 1], 1, 1, 1), // large enough for threads
    convGeometry(1, 64, 29, 27, 16, 3, 3, 2, 2, [1, 0, 1, 0], 1, 1, 1), // batch 1 threaded, odd
    convGeometry(4, 3, 28, 28, 6, 5, 5, 1, 1, [0, 0, 0, 0], 1, 1, 1), // LeNet conv1
    convGeometry(1, 1, 1, 300, 4, 1, 7, 1, 3, [0, 0, 3, 2], 1, 2, 1), // conv1d (h = 1)
  ];
  for (let i = 0; i < 6; i++) {
    const groups = [1, 1, 2, 3][int(0, 3)];
    const cIn = groups * int(1, 4),
      cOut = groups * int(1, 4);
    const kh = int(1, 4),
      kw = int(1, 4),
      sH = int(1, 3),
      sW = int(1, 3),
      dH = int(1, 2),
      dW = int(1, 2);
    const pads: [number, number, number, number] = [int(0, 2), int(0, 2), int(0, 2), int(0, 2)];
    const h = dH * (kh - 1) + 1 + int(0, 9),
      w = dW * (kw - 1) + 1 + int(0, 9);
    cases.push(convGeometry(int(1, 3), cIn, h, w, cOut, kh, kw, sH, sW, pads, dH, dW, groups));
  }
  return cases;
}

function poolCases(): Pool2dGeometry[] {
  const mk = (
    n: number,
    c: number,
    h: number,
    w: number,
    kh: number,
    kw: number,
    sH: number,
    sW: number,
    pt: number,
    pl: number,
    dH: number,
    dW: number,
    ceil: boolean,
  ): Pool2dGeometry => {
    const r = ceil ? Math.ceil : Math.floor;
    let outH = r((h + 2 * pt - dH * (kh - 1) - 1) / sH) + 1;
    let outW = r((w + 2 * pl - dW * (kw - 1) - 1) / sW) + 1;
    // PyTorch: the last window must start inside the input or left padding
    if (ceil && (outH - 1) * sH >= h + pt) outH--;
    if (ceil && (outW - 1) * sW >= w + pl) outW--;
    return {
      n,
      c,
      h,
      w,
      kh,
      kw,
      strideH: sH,
      strideW: sW,
      padTop: pt,
      padLeft: pl,
      dilationH: dH,
      dilationW: dW,
      outH,
      outW,
    };
  };
  return [
    mk(1, 1, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, false),
    mk(2, 3, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1, true), // ceil mode, padding
    mk(2, 2, 8, 8, 2, 3, 1, 2, 1, 1, 2, 1, false), // dilation, unequal strides
    mk(3, 4, 5, 6, 3, 2, 3, 1, 1, 0, 1, 1, true),
    mk(16, 32, 24, 24, 2, 2, 2, 2, 0, 0, 1, 1, false), // big enough for threads
    mk(1, 2, 1, 50, 1, 4, 1, 3, 0, 2, 1, 1, true), // pool1d
  ];
}

// every op of the tables in src/backend/ops.ts: a new op is tested without editing this file
const UNARY = Object.keys(UNARY_OPS) as UnaryOp[];
const BINARY = Object.keys(BINARY_OPS) as BinaryOp[];
const REDUCE = Object.keys(REDUCE_OPS) as ReduceOp[];

/** Registers the comparison tests for one backend configuration. */
function suite(label: string, make: () => WasmBackend, expectThreads: number): void {
  describe(label, () => suiteBody(label, make, expectThreads));
}

function suiteBody(label: string, make: () => WasmBackend, expectThreads: number): void {
  let b: WasmBackend;
  before(async () => {
    b = make();
    await b.ready();
  });
  after(() => b.dispose());

  test(`${label}: runs on ${expectThreads} thread(s) and describes itself`, () => {
    assert.equal(b.threads, expectThreads);
    assert.match(b.describe(), /SIMD/);
    assert.match(b.describe(), new RegExp(`${expectThreads} thread`));
  });

  test(`${label}: gemm with transposes, batches, alpha/beta and offsets`, () => {
    const shapes: [number, number, number][] = [
      [1, 1, 1],
      [3, 5, 7],
      [17, 33, 9],
      [64, 64, 64],
      [130, 70, 300],
      [4, 8, 1000],
      [200, 3, 50],
      [1, 257, 129],
    ];
    for (const [m, n, k] of shapes) {
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const batch = int(1, 3);
        const inWasm = rnd() < 0.5 ? b : null;
        const sA = rnd() < 0.3 ? 0 : m * k,
          sB = rnd() < 0.3 ? 0 : k * n;
        const a = data(2 + (batch - 1) * sA + m * k, inWasm),
          bb = data(1 + (batch - 1) * sB + k * n, inWasm);
        const c = data(3 + batch * m * n, inWasm);
        const alpha = [1, 0.5, -2][int(0, 2)],
          beta = [0, 1, 0.25][int(0, 2)];
        const want = Float32Array.from(c);
        ref.gemm(ta, tb, batch, m, n, k, alpha, a, 2, sA, bb, 1, sB, beta, want, 3, m * n);
        b.gemm(ta, tb, batch, m, n, k, alpha, a, 2, sA, bb, 1, sB, beta, c, 3, m * n);
        normwise(c, want, `gemm ${m}x${n}x${k} tA=${ta} tB=${tb} batch=${batch} alpha=${alpha} beta=${beta}`);
      }
    }
    // k = 0 scales C by beta
    const c = data(6, b),
      want = Float32Array.from(c);
    ref.gemm(false, false, 1, 2, 3, 0, 1, new Float32Array(0), 0, 0, new Float32Array(0), 0, 0, 0.5, want, 0, 0);
    b.gemm(false, false, 1, 2, 3, 0, 1, b.alloc(0), 0, 0, b.alloc(0), 0, 0, 0.5, c, 0, 0);
    elementwise(c, want, 'gemm k=0');
  });

  test(`${label}: conv2d forward, backward data and backward weight`, () => {
    for (const g of convCases()) {
      const what = JSON.stringify(g);
      const inWasm = rnd() < 0.7 ? b : null;
      const x = data(g.n * g.cIn * g.h * g.w, inWasm);
      const w = data(g.cOut * (g.cIn / g.groups) * g.kh * g.kw, inWasm);
      const bias = rnd() < 0.5 ? data(g.cOut, inWasm) : null;
      const ySize = g.n * g.cOut * g.outH * g.outW;
      const y = data(ySize, inWasm),
        yRef = new Float32Array(ySize);
      b.conv2d(x, w, bias, g, y);
      ref.conv2d(x, w, bias, g, yRef);
      normwise(y, yRef, `conv2d ${what}`);
      const dy = data(ySize, inWasm);
      const dx = data(x.length, inWasm),
        dxRef = new Float32Array(x.length);
      b.conv2dBackwardData(dy, w, g, dx);
      ref.conv2dBackwardData(dy, w, g, dxRef);
      normwise(dx, dxRef, `conv2dBackwardData ${what}`);
      const dw = data(w.length, inWasm),
        dwRef = new Float32Array(w.length);
      b.conv2dBackwardWeight(x, dy, g, dw);
      ref.conv2dBackwardWeight(x, dy, g, dwRef);
      normwise(dw, dwRef, `conv2dBackwardWeight ${what}`);
    }
  });

  test(`${label}: max and average pooling, forward and backward`, () => {
    for (const g of poolCases()) {
      const what = JSON.stringify(g);
      const inWasm = rnd() < 0.7 ? b : null;
      const x = data(g.n * g.c * g.h * g.w, inWasm);
      const outN = g.n * g.c * g.outH * g.outW;
      const y = data(outN, inWasm),
        yRef = new Float32Array(outN);
      const idx = new Int32Array(outN),
        idxRef = new Int32Array(outN);
      b.maxPool2d(x, g, y, idx);
      ref.maxPool2d(x, g, yRef, idxRef);
      elementwise(y, yRef, `maxPool2d ${what}`);
      assert.deepEqual(idx, idxRef, `maxPool2d indices ${what}`);
      const dy = data(outN, inWasm);
      const dx = data(x.length, inWasm),
        dxRef = new Float32Array(x.length);
      b.maxPool2dBackward(dy, idx, g, dx);
      ref.maxPool2dBackward(dy, idxRef, g, dxRef);
      elementwise(dx, dxRef, `maxPool2dBackward ${what}`);
      for (const inc of [false, true]) {
        b.avgPool2d(x, g, inc, y);
        ref.avgPool2d(x, g, inc, yRef);
        elementwise(y, yRef, `avgPool2d inc=${inc} ${what}`);
        b.avgPool2dBackward(dy, g, inc, dx);
        ref.avgPool2dBackward(dy, g, inc, dxRef);
        elementwise(dx, dxRef, `avgPool2dBackward inc=${inc} ${what}`);
      }
    }
    // NaN wins a max-pool window, as in the reference
    const g = poolCases()[0];
    const x = data(16, b);
    x[5] = NaN;
    const y = b.alloc(4),
      idx = new Int32Array(4),
      yRef = new Float32Array(4),
      idxRef = new Int32Array(4);
    b.maxPool2d(x, g, y, idx);
    ref.maxPool2d(x, g, yRef, idxRef);
    elementwise(y, yRef, 'maxPool2d NaN');
    assert.deepEqual(idx, idxRef);
  });

  test(`${label}: unaryBackward for every op with a declared derivative`, () => {
    for (const n of [5, 300, 270001]) {
      for (const op of UNARY.filter((o) => unarySpec(o).grad !== undefined)) {
        const x = data(n, rnd() < 0.5 ? b : null, 4),
          dy = data(n, rnd() < 0.5 ? b : null, 2);
        const alpha = op === 'leakyRelu' ? 0.01 : op === 'elu' ? 1.3 : 0;
        const y = new Float32Array(n);
        ref.unary(op, x, y, alpha);
        const want = new Float32Array(n);
        ref.unaryBackward(op, x, y, dy, want, alpha);
        const dx = b.alloc(n);
        b.unaryBackward(op, x, y, dy, dx, alpha);
        elementwise(dx, want, `unaryBackward ${op} n=${n}`);
      }
    }
    assert.throws(
      () =>
        b.unaryBackward('floor', new Float32Array(4), new Float32Array(4), new Float32Array(4), new Float32Array(4), 0),
      /op 'floor' declares no gradient/,
    );
  });

  test(`${label}: unary ops, in place and out of place`, () => {
    for (const n of [1, 7, 300, 270001]) {
      for (const op of UNARY) {
        const positive = op === 'log' || op === 'sqrt' || op === 'powScalar';
        const x = data(n, rnd() < 0.5 ? b : null, 4);
        if (positive) for (let i = 0; i < n; i++) x[i] = Math.abs(x[i]) + 0.01;
        const alpha = op === 'powScalar' ? 1.7 : 0.3;
        const want = new Float32Array(n);
        ref.unary(op, x, want, alpha);
        const out = b.alloc(n);
        b.unary(op, x, out, alpha);
        elementwise(out, want, `unary ${op} n=${n}`);
        b.unary(op, x, x, alpha);
        elementwise(x, want, `unary ${op} in place n=${n}`);
      }
    }
    const x = Float32Array.from([NaN, -0.5, 0.5, 1.5, -1.5, 2.5]);
    for (const op of ['relu', 'round', 'sign', 'abs'] as UnaryOp[]) {
      const big = b.alloc(600);
      for (let i = 0; i < 600; i++) big[i] = x[i % 6];
      const want = new Float32Array(600);
      ref.unary(op, big, want, 0);
      b.unary(op, big, big, 0);
      elementwise(big, want, `unary ${op} special values`);
    }
  });

  test(`${label}: binary ops with broadcasting`, () => {
    const shapes: [number[], number[], number[]][] = [
      [[300], [300], [300]],
      [[1], [257], [257]],
      [
        [4, 1, 5],
        [1, 3, 1],
        [4, 3, 5],
      ],
      [
        [2, 3, 4, 5],
        [1, 3, 1, 1],
        [2, 3, 4, 5],
      ],
      [
        [64, 3, 19, 19],
        [64, 3, 19, 19],
        [64, 3, 19, 19],
      ],
      [
        [7, 33],
        [7, 1],
        [7, 33],
      ],
      [
        [5, 1, 300],
        [1, 70, 300],
        [5, 70, 300],
      ],
      [
        [4, 300, 1],
        [4, 300, 257],
        [4, 300, 257],
      ],
      [
        [2, 1],
        [1, 1],
        [2, 1],
      ],
      [
        [1, 1],
        [1, 1],
        [32, 64],
      ], // both operands broadcast from one value
      [[1], [1], [300]],
    ];
    for (const [as, bs, os] of shapes) {
      for (const op of BINARY) {
        const size = (s: number[]): number => s.reduce((p, q) => p * q, 1);
        const where = rnd() < 0.5 ? b : null;
        const a = data(size(as), where, 3),
          bb = data(size(bs), where, 3);
        if (op === 'pow') for (let i = 0; i < a.length; i++) a[i] = Math.abs(a[i]) + 0.1;
        if (op === 'eq' || op === 'ne' || op === 'le' || op === 'ge')
          for (let i = 0; i < bb.length; i += 3) bb[i] = a[i % a.length];
        const want = new Float32Array(size(os));
        ref.binary(op, a, as, bb, bs, want, os);
        const out = b.alloc(size(os));
        b.binary(op, a, as, bb, bs, out, os);
        elementwise(out, want, `binary ${op} ${JSON.stringify([as, bs])}`);
      }
    }
    // out aliasing an input
    const a = data(1000, b),
      c = data(1000, b),
      want = new Float32Array(1000);
    ref.binary('mul', a, [1000], c, [1000], want, [1000]);
    b.binary('mul', a, [1000], c, [1000], a, [1000]);
    elementwise(a, want, 'binary in place');
  });

  test(`${label}: reduce, argReduce and permute`, () => {
    const views: [number, number, number][] = [
      [1, 1, 1],
      [1, 1000, 1],
      [3, 17, 1],
      [5, 9, 13],
      [2, 300, 129],
      [1, 4, 70000],
      [300, 1000, 1],
      [3, 100, 1000],
      [4, 0, 3],
    ];
    for (const [outer, len, inner] of views) {
      const x = data(outer * len * inner, rnd() < 0.5 ? b : null, 2);
      for (const op of REDUCE) {
        const want = new Float32Array(outer * inner),
          got = b.alloc(outer * inner);
        if (op === 'prod') for (let i = 0; i < x.length; i++) x[i] = 0.9 + 0.2 * rnd();
        ref.reduce(op, x, outer, len, inner, want);
        b.reduce(op, x, outer, len, inner, got);
        if (op === 'sum') normwise(got, want, `reduce sum ${[outer, len, inner]}`);
        else elementwise(got, want, `reduce ${op} ${[outer, len, inner]}`);
      }
      if (len === 0) continue;
      for (const op of ['argmax', 'argmin'] as const) {
        const want = new Int32Array(outer * inner),
          got = new Int32Array(outer * inner);
        ref.argReduce(op, x, outer, len, inner, want);
        b.argReduce(op, x, outer, len, inner, got);
        assert.deepEqual(got, want, `${op} ${[outer, len, inner]}`);
      }
    }
    // NaN propagates through max/min; ties pick the first index
    const x = b.alloc(400);
    x.fill(1);
    x[7] = NaN;
    x[300] = 5;
    x[301] = 5;
    for (const op of ['max', 'min'] as ReduceOp[]) {
      const got = b.alloc(1),
        want = new Float32Array(1);
      b.reduce(op, x, 1, 400, 1, got);
      ref.reduce(op, x, 1, 400, 1, want);
      elementwise(got, want, `reduce ${op} NaN`);
    }
    const y = b.alloc(400);
    y.fill(1);
    y[300] = 5;
    y[301] = 5;
    const gi = new Int32Array(1);
    b.argReduce('argmax', y, 1, 400, 1, gi);
    assert.equal(gi[0], 300);
    const perms: [number[], number[]][] = [
      [
        [3, 4],
        [1, 0],
      ],
      [
        [2, 3, 4, 5],
        [0, 2, 3, 1],
      ],
      [
        [2, 3, 4, 5],
        [3, 2, 1, 0],
      ],
      [
        [64, 64, 70],
        [1, 0, 2],
      ],
      [
        [1, 5, 1, 7],
        [3, 0, 2, 1],
      ],
      [
        [300, 257],
        [1, 0],
      ],
      [[6], [0]],
    ];
    for (const [shape, perm] of perms) {
      const n = shape.reduce((p, q) => p * q, 1);
      const x2 = data(n, rnd() < 0.5 ? b : null);
      const want = new Float32Array(n),
        got = b.alloc(n);
      ref.permute(x2, shape, perm, want);
      b.permute(x2, shape, perm, got);
      assert.deepEqual(got, want, `permute ${JSON.stringify([shape, perm])}`);
    }
  });
}

// smallTensor: 0 puts even tiny tensors in wasm memory, so that small shapes run the wasm
// kernels too (by default tiny JS-heap work goes to the reference loops)
suite('threaded', () => createWasmBackend({ threads: 2, smallTensor: 0 }), 2);
suite('single-threaded', () => createWasmBackend({ threads: 1, smallTensor: 0 }), 1);
suite('single-threaded, default small-tensor policy', () => createWasmBackend({ threads: 1 }), 1);
suite('no shared memory', () => createWasmBackend({ threads: 2, sharedMemory: false }), 1);
