// Every native kernel against the reference js backend, at every ISA level this CPU has,
// on randomized shapes: odd sizes, all transposes, batch strides, asymmetric padding,
// dilation, groups (depthwise too), batch 1, pooling with padding and dilation. Sizes are
// chosen so that both the single-thread and the thread-pool paths run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJsBackend } from '../../src/backend/js/index.js';
import { spawnSync } from 'node:child_process';
import {
  createNativeBackend,
  loadNativeAddon,
  nativeAddonPath,
  type NativeIsa,
} from '../../src/backend/native/index.js';
import type {
  Backend,
  BinaryOp,
  Conv2dGeometry,
  Pool2dGeometry,
  ReduceOp,
  UnaryOp,
} from '../../src/backend/backend.js';
import { BINARY_OPS, REDUCE_OPS, UNARY_OPS, unarySpec } from '../../src/backend/ops.js';
import { KERNEL_NAMES, kernelSource } from '../../src/backend/kernels.js';

const ref = createJsBackend();
const addon = loadNativeAddon();
const defaultIsa = addon.isa() as NativeIsa;
const isas = addon.supportedIsas() as NativeIsa[];

// Deterministic uniform numbers in [-1, 1).
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 4294967296) * 2 - 1;
  };
}
const rand = rng(20261122);
function randArray(n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + ((rand() + 1) / 2) * (hi - lo);
  return a;
}

/** max |a - e| / max(|e|, tiny): the error relative to the size of the result. */
function assertRel(actual: Float32Array, expected: Float32Array, what: string, tol = 1e-4): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let maxErr = 0,
    maxRef = 1e-30;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i],
      a = actual[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      assert.ok(Number.isNaN(e) && Number.isNaN(a), `${what}: element ${i} is ${a}, expected ${e}`);
      continue;
    }
    if (e === a) continue; // also covers equal infinities
    maxErr = Math.max(maxErr, Math.abs(a - e));
    maxRef = Math.max(maxRef, Math.abs(e));
  }
  for (let i = 0; i < expected.length; i++)
    if (Number.isFinite(expected[i])) maxRef = Math.max(maxRef, Math.abs(expected[i]));
  assert.ok(maxErr / maxRef <= tol, `${what}: relative error ${(maxErr / maxRef).toExponential(2)} > ${tol}`);
}

/** Elementwise closeness for unary/binary results. */
function assertElem(actual: Float32Array, expected: Float32Array, what: string, atol = 2e-6, rtol = 1e-5): void {
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i],
      a = actual[i];
    const ok = (Number.isNaN(e) && Number.isNaN(a)) || a === e || Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) assert.fail(`${what}: element ${i} is ${a}, expected ${e}`);
  }
}

function convGeom(
  n: number,
  cIn: number,
  h: number,
  w: number,
  cOut: number,
  kh: number,
  kw: number,
  o: Partial<{
    sH: number;
    sW: number;
    pT: number;
    pB: number;
    pL: number;
    pR: number;
    dH: number;
    dW: number;
    groups: number;
  }> = {},
): Conv2dGeometry {
  const sH = o.sH ?? 1,
    sW = o.sW ?? 1,
    pT = o.pT ?? 0,
    pB = o.pB ?? pT,
    pL = o.pL ?? 0,
    pR = o.pR ?? pL;
  const dH = o.dH ?? 1,
    dW = o.dW ?? 1;
  const outH = Math.floor((h + pT + pB - dH * (kh - 1) - 1) / sH) + 1;
  const outW = Math.floor((w + pL + pR - dW * (kw - 1) - 1) / sW) + 1;
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
    padTop: pT,
    padLeft: pL,
    dilationH: dH,
    dilationW: dW,
    groups: o.groups ?? 1,
    outH,
    outW,
  };
}

const convCases: Array<[string, Conv2dGeometry]> = [
  ['3x3 pad 1', convGeom(2, 5, 9, 11, 7, 3, 3, { pT: 1, pL: 1 })],
  ['stride 2, asymmetric pad', convGeom(3, 4, 13, 10, 6, 3, 4, { sH: 2, sW: 2, pT: 0, pB: 2, pL: 1, pR: 0 })],
  ['dilation 2, stride (1,2)', convGeom(2, 6, 12, 12, 5, 3, 3, { dH: 2, dW: 3, pT: 2, pL: 1, sW: 2 })],
  [
    'dilation (2,3), stride 1, asymmetric pad',
    convGeom(3, 5, 11, 13, 6, 3, 2, { dH: 2, dW: 3, pT: 2, pB: 0, pL: 0, pR: 3 }),
  ],
  ['groups 2', convGeom(2, 6, 8, 9, 8, 3, 3, { groups: 2, pT: 1, pL: 1 })],
  ['13 channels, rows of 16', convGeom(2, 5, 9, 16, 13, 3, 3, { pT: 1, pL: 1 })],
  ['depthwise', convGeom(2, 5, 10, 7, 5, 3, 3, { groups: 5, pT: 1, pL: 1 })],
  ['depthwise x2, stride 2', convGeom(2, 4, 9, 9, 8, 5, 5, { groups: 4, pT: 2, pL: 2, sH: 2, sW: 2 })],
  ['1x1', convGeom(3, 16, 7, 5, 12, 1, 1)],
  ['1x1 with padding', convGeom(2, 4, 5, 6, 8, 1, 1, { pT: 1, pB: 0, pL: 2, pR: 1 })],
  ['kernel wider than input', convGeom(2, 3, 3, 4, 5, 5, 5, { pT: 2, pL: 2 })],
  ['batch 1, threaded GEMM', convGeom(1, 32, 21, 19, 40, 3, 3, { pT: 1, pL: 1 })],
  ['batch 6, threaded over images', convGeom(6, 12, 20, 18, 16, 3, 3, { pT: 1, pB: 0, pL: 0, pR: 1 })],
  ['batch 3, strided, groups 3', convGeom(3, 12, 23, 17, 24, 3, 3, { sH: 2, sW: 3, groups: 3, pT: 1, pL: 1, dW: 2 })],
  ['LeNet conv1', convGeom(64, 1, 28, 28, 6, 5, 5)],
  ['conv1d (h = 1)', convGeom(4, 6, 1, 50, 10, 1, 5, { pL: 2 })],
  // whole-batch GEMMs (conv_batched_impl.h: >= 2 images, >= 16 output channels per group,
  // >= 16 weights per output channel and <= 1024 positions forward, >= 64 and < 512 for the
  // weight gradient): odd sizes, tiles and pieces that straddle images, K blocks over 256
  // weights / positions, groups, dilation, stride 2, asymmetric pad
  ['batched: 7x9, 20 channels', convGeom(2, 8, 7, 9, 20, 3, 3, { pT: 1, pL: 1 })],
  ['batched: 5x5, 33 channels, 9 images', convGeom(9, 16, 5, 5, 33, 3, 3, { pT: 1, pL: 1 })],
  ['batched: stride 2, asymmetric pad', convGeom(5, 8, 13, 11, 24, 3, 3, { sH: 2, sW: 2, pT: 0, pB: 2, pL: 1, pR: 0 })],
  ['batched: stride (2, 1), asymmetric pad', convGeom(4, 8, 11, 9, 18, 3, 3, { sH: 2, pT: 1, pB: 0, pL: 2, pR: 0 })],
  [
    'batched: groups 2, dilation 2',
    convGeom(3, 16, 10, 10, 40, 3, 3, { groups: 2, dH: 2, dW: 2, pT: 2, pL: 1, pR: 3 }),
  ],
  ['batched: 1 input channel, 5x5', convGeom(3, 1, 12, 12, 17, 5, 5, { pT: 2, pL: 2 })],
  ['batched: threaded, K over 256', convGeom(8, 32, 9, 9, 48, 3, 3, { pT: 1, pL: 1 })],
  ['batched shape with batch 1', convGeom(1, 32, 9, 9, 48, 3, 3, { pT: 1, pL: 1 })],
  ['batched forward only: 24x24, 7x7 kernel', convGeom(2, 1, 24, 24, 16, 7, 7, { pT: 3, pL: 3 })],
  // the data gradient's column route over runs of whole images (>= 32 output channels per
  // group, strided or < 8 input channels per group): with 2 threads, 5 images cut into runs of 2, 2, 1
  [
    'batched columns: stride 2, groups 2',
    convGeom(5, 6, 13, 11, 64, 3, 3, { sH: 2, sW: 2, groups: 2, pT: 0, pB: 2, pL: 1, pR: 0 }),
  ],
  [
    'batched columns: stride (2, 1), dilation (1, 2)',
    convGeom(4, 6, 11, 9, 36, 3, 3, { sH: 2, dW: 2, pT: 1, pB: 0, pL: 2, pR: 0 }),
  ],
  ['batched columns: 4 input channels', convGeom(3, 4, 9, 9, 32, 3, 3, { pT: 1, pL: 1 })],
  // Winograd F(4x4, 3x3) (native/src/winograd_impl.h: 3x3, stride 1, undilated, ungrouped,
  // >= 16 channels in and out; the stride-1 data gradient runs as one too): whole tiles,
  // partial tiles with asymmetric padding and channel counts off the register tile, tiles of
  // one block spread over several images, K over 256 input channels and several chunks of
  // output channels
  ['winograd: 8x8, whole tiles', convGeom(2, 16, 8, 8, 16, 3, 3, { pT: 1, pL: 1 })],
  ['winograd: 11x13, asymmetric pad', convGeom(3, 17, 11, 13, 19, 3, 3, { pT: 2, pB: 0, pL: 0, pR: 1 })],
  ['winograd: 4x5 images, 7 of them', convGeom(7, 16, 4, 5, 24, 3, 3, { pT: 1, pL: 1 })],
  ['winograd: K over 256, output-channel chunks, 2-panel blocks', convGeom(2, 260, 4, 5, 130, 3, 3, { pT: 1, pL: 1 })],
  // 147 tiles (3 x 7 x 7, partial ones at the edges): the weight gradient's reduction runs in two chunks of tiles
  ['winograd: 27x26, two chunks of tiles', convGeom(3, 16, 27, 26, 16, 3, 3, { pT: 1, pL: 1 })],
];

const poolCases: Array<[string, Pool2dGeometry]> = [];
function pool(
  n: number,
  c: number,
  h: number,
  w: number,
  kh: number,
  kw: number,
  sH: number,
  sW: number,
  pT: number,
  pL: number,
  dH: number,
  dW: number,
  ceil: boolean,
): Pool2dGeometry {
  const size = (len: number, k: number, s: number, p: number, d: number): number => {
    const num = len + 2 * p - d * (k - 1) - 1;
    let out = (ceil ? Math.ceil(num / s) : Math.floor(num / s)) + 1;
    if (ceil && (out - 1) * s >= len + p) out--; // PyTorch: the last window must start inside the input
    return out;
  };
  return {
    n,
    c,
    h,
    w,
    kh,
    kw,
    strideH: sH,
    strideW: sW,
    padTop: pT,
    padLeft: pL,
    dilationH: dH,
    dilationW: dW,
    outH: size(h, kh, sH, pT, dH),
    outW: size(w, kw, sW, pL, dW),
  };
}
poolCases.push(['2x2 stride 2', pool(2, 3, 8, 9, 2, 2, 2, 2, 0, 0, 1, 1, false)]);
poolCases.push(['3x3 stride 2 pad 1 ceil', pool(2, 4, 11, 10, 3, 3, 2, 2, 1, 1, 1, 1, true)]);
poolCases.push(['dilation 2 pad 1', pool(1, 2, 9, 12, 3, 2, 1, 2, 1, 1, 2, 2, false)]);
poolCases.push(['large (threaded)', pool(8, 16, 40, 40, 3, 3, 2, 2, 1, 1, 1, 1, true)]);
poolCases.push(['pool1d', pool(3, 5, 1, 31, 1, 4, 1, 3, 0, 2, 1, 1, true)]);
// the vector fast paths: LeNet's exact fits, rows longer than a vector (full vectors and a
// tail), stride 1, 3x3 stride 2 without padding, a window border inside a padded row
poolCases.push(['LeNet pool1 2x2', pool(3, 6, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1, false)]);
poolCases.push(['LeNet pool2 2x2', pool(4, 16, 10, 10, 2, 2, 2, 2, 0, 0, 1, 1, false)]);
poolCases.push(['2x2 stride 2, wide rows', pool(2, 3, 7, 75, 2, 2, 2, 2, 0, 0, 1, 1, true)]);
poolCases.push(['3x3 stride 1 pad 1, wide rows', pool(2, 3, 9, 41, 3, 3, 1, 1, 1, 1, 1, 1, false)]);
// the 2x2 stride-2 rows (maxRow22): odd sizes (last row and column unpooled), padding with
// ceil (edge windows outside the fast region), row stride 1, a single 2x2 plane (the loads
// near the array's end), many small planes across threads (whole-vector stores into the next row)
poolCases.push(['2x2 stride 2, 17x35', pool(3, 4, 17, 35, 2, 2, 2, 2, 0, 0, 1, 1, false)]);
poolCases.push(['2x2 stride 2 pad 1 ceil, odd sizes', pool(2, 5, 13, 21, 2, 2, 2, 2, 1, 1, 1, 1, true)]);
poolCases.push(['2x2 strides 1 x 2', pool(2, 3, 9, 30, 2, 2, 1, 2, 0, 0, 1, 1, false)]);
poolCases.push(['2x2 stride 2, one 2x2 plane', pool(1, 1, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, false)]);
poolCases.push(['2x2 stride 2, small planes (threaded)', pool(32, 48, 12, 12, 2, 2, 2, 2, 0, 0, 1, 1, false)]);
poolCases.push(['3x3 stride 2, wide rows', pool(2, 2, 9, 71, 3, 3, 2, 2, 0, 0, 1, 1, false)]);
poolCases.push(['3x2 stride (1,2) pad (0,1)', pool(1, 3, 8, 50, 3, 2, 1, 2, 0, 1, 1, 1, true)]);

function convTests(nat: Backend, isa: string): void {
  for (const [name, g] of convCases) {
    const cInG = g.cIn / g.groups;
    const x = randArray(g.n * g.cIn * g.h * g.w);
    const w = randArray(g.cOut * cInG * g.kh * g.kw);
    const bias = randArray(g.cOut);
    const dy = randArray(g.n * g.cOut * g.outH * g.outW);
    for (const b of [bias, null]) {
      const y = new Float32Array(dy.length).fill(NaN),
        yr = new Float32Array(dy.length);
      nat.conv2d(x, w, b, g, y);
      ref.conv2d(x, w, b, g, yr);
      assertRel(y, yr, `${isa} conv2d ${name}${b ? '' : ' (no bias)'}`);
    }
    const dx = new Float32Array(x.length).fill(NaN),
      dxr = new Float32Array(x.length);
    nat.conv2dBackwardData(dy, w, g, dx);
    ref.conv2dBackwardData(dy, w, g, dxr);
    assertRel(dx, dxr, `${isa} conv2dBackwardData ${name}`);
    const dw = new Float32Array(w.length).fill(NaN),
      dwr = new Float32Array(w.length);
    nat.conv2dBackwardWeight(x, dy, g, dw);
    ref.conv2dBackwardWeight(x, dy, g, dwr);
    assertRel(dw, dwr, `${isa} conv2dBackwardWeight ${name}`);
  }
}

// conv2dAct = act(conv2d + bias): relu fused into the Winograd, row-kernel and whole-batch
// GEMM epilogues, applied after the per-image GEMM; other ops after every path; with and
// without bias.
function convActTests(nat: Backend, isa: string): void {
  assert.equal(kernelSource(nat, 'conv2dAct'), 'backend');
  const cases: Array<[string, Conv2dGeometry]> = [
    ['winograd', convGeom(3, 16, 9, 10, 20, 3, 3, { pT: 1, pL: 1 })],
    ['LeNet conv1', convGeom(5, 1, 28, 28, 6, 5, 5)],
    ['whole-batch GEMM, stride 2', convGeom(2, 8, 13, 11, 24, 3, 3, { sH: 2, sW: 2, pT: 1, pL: 1 })],
    ['per-image im2col GEMM', convGeom(2, 3, 36, 36, 20, 5, 5, { pT: 2, pL: 2 })],
  ];
  const acts: Array<[UnaryOp, number]> = [
    ['relu', 0],
    ['leakyRelu', 0.1],
    ['tanh', 0],
  ];
  for (const [name, g] of cases) {
    const x = randArray(g.n * g.cIn * g.h * g.w);
    const w = randArray((g.cOut * g.cIn * g.kh * g.kw) / g.groups);
    const bias = randArray(g.cOut);
    const len = g.n * g.cOut * g.outH * g.outW;
    for (const [act, alpha] of acts) {
      for (const b of [bias, null]) {
        const y = new Float32Array(len).fill(NaN),
          yr = new Float32Array(len);
        nat.conv2dAct(x, w, b, g, act, alpha, y);
        ref.conv2dAct(x, w, b, g, act, alpha, yr);
        assertRel(y, yr, `${isa} conv2dAct ${name} ${act}${b ? '' : ' (no bias)'}`);
        if (act === 'relu')
          assert.ok(
            y.every((v) => v >= 0),
            `${isa} conv2dAct ${name}: relu left a negative value`,
          );
      }
    }
  }
}

function gemmTests(nat: Backend, isa: string): void {
  const shapes: Array<[number, number, number]> = [
    [1, 1, 1],
    [7, 5, 3],
    [9, 33, 17],
    [31, 2, 40],
    [200, 70, 300],
    [13, 2100, 9],
    [64, 64, 0],
    [5, 300, 600],
    // whole 6-row / 16-column panels with K tails after the 8-wide transposing packs, across K blocks
    [12, 48, 263],
    [37, 35, 520],
    [32, 128, 2304],
    [256, 120, 400],
    [256, 10, 84],
  ];
  for (const [m, n, k] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const [alpha, beta] of [
          [1, 0],
          [0.5, -1.5],
        ]) {
          const batch = m * n * k > 1e6 ? 1 : 3;
          const aOff = 3,
            bOff = 5,
            cOff = 2;
          const sA = m * k + 1,
            sB = (m + n) % 2 === 0 ? 0 : k * n + 2,
            sC = m * n + 3; // sB 0 broadcasts B
          const a = randArray(aOff + batch * sA),
            b = randArray(bOff + Math.max(1, batch * sB) + k * n);
          const c0 = randArray(cOff + batch * sC);
          const c = c0.slice(),
            cr = c0.slice();
          nat.gemm(transA, transB, batch, m, n, k, alpha, a, aOff, sA, b, bOff, sB, beta, c, cOff, sC);
          ref.gemm(transA, transB, batch, m, n, k, alpha, a, aOff, sA, b, bOff, sB, beta, cr, cOff, sC);
          assertRel(c, cr, `${isa} gemm ${m}x${n}x${k} tA=${transA} tB=${transB} alpha=${alpha} beta=${beta}`);
        }
      }
    }
  }
}

// every op of the tables in src/backend/ops.ts: a new op is tested without editing this file
const unaryOps = Object.keys(UNARY_OPS) as UnaryOp[];
const binaryOps = Object.keys(BINARY_OPS) as BinaryOp[];
const reduceOps = Object.keys(REDUCE_OPS) as ReduceOp[];

function elementwiseTests(nat: Backend, isa: string): void {
  for (const n of [1, 37, 300_001]) {
    const x = randArray(n, -25, 25);
    x[0] = 0.5;
    if (n > 2) {
      x[1] = -2.5;
      x[2] = 0;
    }
    for (const op of unaryOps) {
      const src =
        op === 'log' || op === 'sqrt' || op === 'powScalar' ? x.map(Math.abs) : op === 'exp' ? x.map((v) => v / 4) : x;
      const alpha = op === 'powScalar' ? 1.7 : op === 'leakyRelu' ? 0.01 : op === 'elu' ? 1.3 : -0.75;
      const out = new Float32Array(n),
        outr = new Float32Array(n);
      nat.unary(op, src, out, alpha);
      ref.unary(op, src, outr, alpha);
      assertElem(out, outr, `${isa} unary ${op} n=${n}`);
    }
    // unaryBackward for every op that declares a derivative (ops.ts `grad`)
    const dy = randArray(n, -2, 2);
    for (const op of unaryOps.filter((o) => unarySpec(o).grad !== undefined)) {
      const alpha = op === 'leakyRelu' ? 0.01 : op === 'elu' ? 1.3 : 0;
      const y = new Float32Array(n);
      ref.unary(op, x, y, alpha);
      const dx = new Float32Array(n),
        dxr = new Float32Array(n);
      nat.unaryBackward(op, x, y, dy, dx, alpha);
      ref.unaryBackward(op, x, y, dy, dxr, alpha);
      assertElem(dx, dxr, `${isa} unaryBackward ${op} n=${n}`);
    }
    assert.throws(() => nat.unaryBackward('floor', x, x, dy, new Float32Array(n), 0), /declares no gradient/);
    const inPlace = x.slice();
    nat.unary('relu', inPlace, inPlace, 0);
    assertElem(
      inPlace,
      x.map((v) => (v > 0 ? v : 0)),
      `${isa} unary relu in place`,
    );
  }
  const shapes: Array<[number[], number[], number[]]> = [
    [
      [4, 5],
      [4, 5],
      [4, 5],
    ],
    [
      [3, 1, 5],
      [1, 4, 5],
      [3, 4, 5],
    ],
    [
      [2, 3, 4],
      [1, 1, 1],
      [2, 3, 4],
    ],
    [[], [], []],
    [
      [1, 1, 7],
      [6, 2, 1],
      [6, 2, 7],
    ],
    [
      [300, 500],
      [1, 500],
      [300, 500],
    ],
    [
      [2, 1, 3, 1],
      [1, 4, 1, 5],
      [2, 4, 3, 5],
    ],
    [
      [700, 1, 300],
      [700, 2, 1],
      [700, 2, 300],
    ],
    [
      [5, 0, 2],
      [1, 1, 2],
      [5, 0, 2],
    ],
  ];
  for (const [as, bs, os] of shapes) {
    const size = (s: number[]): number => s.reduce((p, v) => p * v, 1);
    const a = randArray(size(as), -3, 3).map((v) => Math.round(v * 2) / 2); // halves: many exact ties for comparisons
    const b = randArray(size(bs), -3, 3).map((v) => Math.round(v * 2) / 2);
    if (a.length > 3) {
      a[0] = NaN;
      a[2] = Infinity;
    }
    for (const op of binaryOps) {
      const aa = op === 'pow' ? a.map(Math.abs) : a;
      const out = new Float32Array(size(os)),
        outr = new Float32Array(size(os));
      nat.binary(op, aa, as, b, bs, out, os);
      ref.binary(op, aa, as, b, bs, outr, os);
      assertElem(out, outr, `${isa} binary ${op} [${as}] [${bs}]`);
    }
  }
}

function reduceTests(nat: Backend, isa: string): void {
  for (const [outer, len, inner] of [
    [1, 1, 1],
    [3, 17, 1],
    [4, 9, 5],
    [2, 1000, 1],
    [64, 3000, 1],
    [3, 700, 129],
    [2, 3, 0],
  ]) {
    const x = randArray(outer * len * inner, 0.5, 1.5);
    x[0] = -x[0];
    for (const op of reduceOps) {
      const src = op === 'prod' ? x.map((v) => 1 + (v - 1) / 64) : x;
      const out = new Float32Array(outer * inner),
        outr = new Float32Array(outer * inner);
      nat.reduce(op, src, outer, len, inner, out);
      ref.reduce(op, src, outer, len, inner, outr);
      assertElem(out, outr, `${isa} reduce ${op} (${outer},${len},${inner})`, 1e-6, 1e-5);
    }
    if (len > 0) {
      const xr = x.map((v) => Math.round(v * 4) / 4); // ties: the first index must win
      for (const op of ['argmax', 'argmin'] as const) {
        const out = new Int32Array(outer * inner),
          outr = new Int32Array(outer * inner);
        nat.argReduce(op, xr, outer, len, inner, out);
        ref.argReduce(op, xr, outer, len, inner, outr);
        assert.deepEqual(out, outr, `${isa} ${op} (${outer},${len},${inner})`);
      }
    }
  }
  const nanRow = new Float32Array([1, NaN, 3]);
  const o = new Float32Array(1),
    oR = new Float32Array(1);
  nat.reduce('max', nanRow, 1, 3, 1, o);
  ref.reduce('max', nanRow, 1, 3, 1, oR);
  assert.ok(Number.isNaN(o[0]) && Number.isNaN(oR[0]), `${isa} reduce max propagates NaN`);
}

function permuteTests(nat: Backend, isa: string): void {
  const cases: Array<[number[], number[]]> = [
    [[5], [0]],
    [
      [3, 4],
      [1, 0],
    ],
    [
      [2, 3, 4],
      [2, 0, 1],
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
      [3, 40, 33],
      [0, 2, 1],
    ],
    [
      [67, 129],
      [1, 0],
    ],
    [
      [4, 1, 6],
      [1, 2, 0],
    ],
    [[], []],
  ];
  for (const [shape, perm] of cases) {
    const n = shape.reduce((p, v) => p * v, 1);
    const x = randArray(n);
    const out = new Float32Array(n),
      outr = new Float32Array(n);
    nat.permute(x, shape, perm, out);
    ref.permute(x, shape, perm, outr);
    assert.deepEqual(out, outr, `${isa} permute [${shape}] by [${perm}]`);
  }
}

function poolTests(nat: Backend, isa: string): void {
  for (const [name, g] of poolCases) {
    const nIn = g.n * g.c * g.h * g.w,
      nOut = g.n * g.c * g.outH * g.outW;
    const x = randArray(nIn).map((v) => Math.round(v * 8) / 8); // ties: the first cell must win
    if (nIn > 10) x[7] = NaN;
    // NaNs and infinities at many window positions (first tap, later taps, both rows)
    for (let i = 29; i < nIn; i += 97) x[i] = NaN;
    for (let i = 30; i < nIn; i += 101) x[i] = NaN;
    for (let i = 13; i < nIn; i += 89) x[i] = Infinity;
    for (let i = 11; i < nIn; i += 83) x[i] = -Infinity;
    // outputs start as garbage (recycled storage): every cell must be written
    const y = new Float32Array(nOut).fill(NaN),
      yr = new Float32Array(nOut);
    const idx = new Int32Array(nOut).fill(-7),
      idxr = new Int32Array(nOut);
    nat.maxPool2d(x, g, y, idx);
    ref.maxPool2d(x, g, yr, idxr);
    assertElem(y, yr, `${isa} maxPool2d ${name}`, 0, 0);
    assert.deepEqual(idx, idxr, `${isa} maxPool2d indices ${name}`);
    const dy = randArray(nOut);
    const dx = new Float32Array(nIn).fill(NaN),
      dxr = new Float32Array(nIn);
    nat.maxPool2dBackward(dy, idx, g, dx);
    ref.maxPool2dBackward(dy, idxr, g, dxr);
    assertElem(dx, dxr, `${isa} maxPool2dBackward ${name}`, 1e-6, 1e-6);
    const xs = randArray(nIn);
    for (const cip of [true, false]) {
      const a = new Float32Array(nOut).fill(NaN),
        ar = new Float32Array(nOut);
      nat.avgPool2d(xs, g, cip, a);
      ref.avgPool2d(xs, g, cip, ar);
      assertElem(a, ar, `${isa} avgPool2d ${name} countIncludePad=${cip}`, 1e-6, 1e-5);
      const d = new Float32Array(nIn).fill(NaN),
        dr = new Float32Array(nIn);
      nat.avgPool2dBackward(dy, g, cip, d);
      ref.avgPool2dBackward(dy, g, cip, dr);
      assertElem(d, dr, `${isa} avgPool2dBackward ${name} countIncludePad=${cip}`, 1e-6, 1e-5);
    }
  }
}

for (const isa of isas) {
  test(`native ${isa}: gemm matches the reference`, () => gemmTests(createNativeBackend(isa), isa));
  test(`native ${isa}: conv2d forward / backward match the reference`, () => convTests(createNativeBackend(isa), isa));
  test(`native ${isa}: conv2dAct (conv + bias + activation) matches the reference`, () =>
    convActTests(createNativeBackend(isa), isa));
  test(`native ${isa}: unary and broadcasting binary match the reference`, () =>
    elementwiseTests(createNativeBackend(isa), isa));
  test(`native ${isa}: reduce, argReduce match the reference`, () => reduceTests(createNativeBackend(isa), isa));
  test(`native ${isa}: permute matches the reference`, () => permuteTests(createNativeBackend(isa), isa));
  test(`native ${isa}: pooling matches the reference`, () => poolTests(createNativeBackend(isa), isa));
  test(`native ${isa}: reluBackward and sgdUpdate match the reference bit for bit`, () =>
    fusedTests(createNativeBackend(isa), isa));
}

function fusedTests(nat: Backend, isa: string): void {
  // every kernel the addon exports is bound (by the generated bindings), the fused ones included
  const exported = addon as unknown as Record<string, unknown>;
  for (const k of KERNEL_NAMES) {
    if (typeof exported[k] === 'function') assert.equal(kernelSource(nat, k), 'backend', `native ${k}`);
  }
  assert.equal(kernelSource(nat, 'reluBackward'), 'backend');
  assert.equal(kernelSource(nat, 'sgdUpdate'), 'backend');
  assert.equal(kernelSource(nat, 'unary'), 'backend');
  for (const n of [37, 300_001]) {
    // 300k elements: the threaded path
    const y = randArray(n);
    for (let i = 0; i < n; i += 53) y[i] = 0;
    for (let i = 5; i < n; i += 71) y[i] = NaN;
    const dy = randArray(n);
    const dx = new Float32Array(n).fill(NaN),
      dxr = new Float32Array(n);
    nat.reluBackward(y, dy, dx);
    ref.reluBackward(y, dy, dxr);
    assert.deepEqual(dx, dxr, `${isa} reluBackward n=${n}`);
    const cases: Array<[number, number, number, number, number, boolean, boolean]> = [
      // lr, weightDecay, gradSign, momentum, bufScale, nesterov, with buffer
      [0.1, 0, 1, 0, 1, false, false],
      [0.03, 5e-4, -1, 0, 1, false, false],
      [0.05, 1e-3, 1, 0.9, 1, false, true],
      [0.01, 0, 1, 0.9, 0.9, false, true],
      [0.02, 1e-4, -1, 0.8, 1, true, true],
    ];
    for (const [lr, wd, sign, mu, scale, nesterov, withBuf] of cases) {
      const p = randArray(n),
        g = randArray(n),
        b = withBuf ? randArray(n) : null;
      const pr = p.slice(),
        br = b ? b.slice() : null;
      for (let step = 0; step < 2; step++) {
        nat.sgdUpdate(p, g, b, lr, wd, sign, mu, scale, nesterov);
        ref.sgdUpdate(pr, g, br, lr, wd, sign, mu, scale, nesterov);
      }
      const what = `${isa} sgdUpdate n=${n} lr=${lr} wd=${wd} sign=${sign} mu=${mu} scale=${scale} nesterov=${nesterov}`;
      assert.deepEqual(p, pr, what);
      if (b && br) assert.deepEqual(b, br, `${what} buffer`);
    }
  }
}

test('native: with 2 threads, repeated conv2dBackwardWeight / gemm / reduce calls are bitwise identical', () => {
  // a fresh process with exactly 2 pool threads; each kernel runs 25 times on the same input
  // and every result must equal the first bit for bit (partial sums combined in a fixed order)
  const code = `
    const nat = require(${JSON.stringify(nativeAddonPath())});
    const p = new Float64Array(64); nat.setParams(p);
    let s = 12345;
    const rnd = (n) => { const a = new Float32Array(n); for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; a[i] = s / 4294967296 - 0.5; } return a; };
    const bad = [];
    function same(name, run, out) {
      run(); const first = out.slice();
      for (let r = 0; r < 25; r++) {
        out.fill(NaN); run();
        for (let i = 0; i < out.length; i++) if (!Object.is(out[i], first[i])) { bad.push(name + ' run ' + r + ' element ' + i); return; }
      }
    }
    const convs = [
      ['rows kernel (stride 1)', [16, 8, 20, 20, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 20, 20]],
      ['LeNet conv2', [64, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1, 1, 10, 10]],
      ['im2col GEMM (stride 2)', [16, 8, 21, 21, 16, 3, 3, 2, 2, 0, 0, 1, 1, 1, 10, 10]],
      ['whole-batch GEMM (7x7)', [16, 64, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 7, 7]],
      ['Winograd, two chunks of tiles', [3, 16, 27, 26, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 27, 26]],
    ];
    for (const [name, g] of convs) {
      const [n, cIn, h, w, cOut, kh, kw, , , , , , , groups, oh, ow] = g;
      const x = rnd(n * cIn * h * w), dy = rnd(n * cOut * oh * ow), dw = new Float32Array(cOut * cIn / groups * kh * kw);
      same('conv2dBackwardWeight ' + name, () => { p.set(g); nat.conv2dBackwardWeight(x, dy, dw); }, dw);
    }
    const m = 200, nn = 300, k = 700, a = rnd(m * k), b = rnd(k * nn), c = new Float32Array(m * nn);
    same('gemm', () => { p.set([0, 0, 1, m, nn, k, 1, 0, 0, 0, 0, 0, 0, 0]); nat.gemm(a, b, c); }, c);
    const rx = rnd(64 * 3000 * 4), rout = new Float32Array(64 * 4);
    same('reduce', () => { p.set([64, 3000, 4]); nat.reduce(0, rx, rout); }, rout);
    console.log(JSON.stringify({ threads: nat.threads(), bad }));`;
  const r = spawnSync(process.execPath, ['-e', code], {
    env: { ...process.env, CONVKIT_THREADS: '2' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim()) as { threads: number; bad: string[] };
  assert.equal(out.threads, 2);
  assert.deepEqual(out.bad, []);
});

test('native: the best ISA is chosen by default and the level is reported', () => {
  assert.equal(defaultIsa, isas[0]);
  assert.match(createNativeBackend(defaultIsa).describe(), new RegExp(`^native ${defaultIsa}, \\d+ threads?$`));
  assert.ok(isas.includes('portable'));
});

test('native: wrong array sizes and bad arguments raise clear errors', () => {
  const nat = createNativeBackend(defaultIsa);
  const g = convGeom(1, 2, 5, 5, 3, 3, 3);
  assert.throws(
    () => nat.conv2d(new Float32Array(10), new Float32Array(54), null, g, new Float32Array(27)),
    /native conv2d: x has 10 elements but the shape needs 50/,
  );
  assert.throws(
    () =>
      nat.gemm(
        false,
        false,
        1,
        4,
        4,
        4,
        1,
        new Float32Array(16),
        0,
        0,
        new Float32Array(15),
        0,
        0,
        0,
        new Float32Array(16),
        0,
        0,
      ),
    /native gemm: b has 15 elements but the shape needs 16/,
  );
  assert.throws(
    () => nat.binary('add', new Float32Array(3), [3], new Float32Array(2), [2], new Float32Array(3), [3]),
    /do not broadcast/,
  );
  assert.throws(
    () => nat.unary('relu', new Float64Array(3) as unknown as Float32Array, new Float32Array(3), 0),
    /x must be a Float32Array/,
  );
  assert.throws(() => addon.setIsa('sse9'), /does not support 'sse9'/);
});

test('native: CONVKIT_NATIVE_ISA forces a lower level and CONVKIT_THREADS sets the pool size', () => {
  const path = nativeAddonPath();
  for (const isa of isas) {
    const r = spawnSync(process.execPath, ['-e', `console.log(require(${JSON.stringify(path)}).describe())`], {
      env: { ...process.env, CONVKIT_NATIVE_ISA: isa, CONVKIT_THREADS: '3' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), `native ${isa}, 3 threads`);
  }
  const one = spawnSync(process.execPath, ['-e', `console.log(require(${JSON.stringify(path)}).describe())`], {
    env: { ...process.env, CONVKIT_NATIVE_ISA: 'portable', CONVKIT_THREADS: '1' },
    encoding: 'utf8',
  });
  assert.equal(one.stdout.trim(), 'native portable, 1 thread');
});

test('native: a worker thread keeps its own parameter block', async () => {
  const { Worker } = await import('node:worker_threads');
  // the worker multiplies 2x2 matrices in a loop through its own setParams block while the
  // main thread does the same with other shapes: mixed-up parameters would give wrong sums
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const nat = require(workerData.path);
    const p = new Float64Array(64); nat.setParams(p);
    const a = new Float32Array([1, 2, 3, 4]), b = new Float32Array([5, 6, 7, 8]), c = new Float32Array(4);
    let bad = 0;
    for (let i = 0; i < 20000; i++) {
      p.set([0, 0, 1, 2, 2, 2, 1, 0, 0, 0, 0, 0, 0, 0]);
      nat.gemm(a, b, c);
      if (c[0] !== 19 || c[1] !== 22 || c[2] !== 43 || c[3] !== 50) bad++;
    }
    parentPort.postMessage(bad);`;
  const worker = new Worker(code, { eval: true, workerData: { path: nativeAddonPath() } });
  const done = new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const nat = createNativeBackend(defaultIsa);
  const a = new Float32Array([1, 2, 3]),
    b = new Float32Array([4, 5, 6]),
    c = new Float32Array(1);
  let bad = 0;
  for (let i = 0; i < 20000; i++) {
    nat.gemm(false, false, 1, 1, 1, 3, 1, a, 0, 0, b, 0, 0, 0, c, 0, 0);
    if (c[0] !== 32) bad++;
  }
  assert.equal(bad, 0, 'main thread results');
  assert.equal(await done, 0, 'worker thread results');
  await worker.terminate();
});

test('native: binary and permute beyond rank 16 still match the reference', () => {
  const nat = createNativeBackend(defaultIsa);
  const shape = Array.from({ length: 18 }, (_, i) => (i % 6 === 0 ? 2 : 1));
  const bShape = shape.map((v, i) => (i === 0 ? 1 : v));
  const a = randArray(8),
    b = randArray(4);
  const out = new Float32Array(8),
    outr = new Float32Array(8);
  nat.binary('sub', a, shape, b, bShape, out, shape);
  ref.binary('sub', a, shape, b, bShape, outr, shape);
  assert.deepEqual(out, outr);
  const perm = shape.map((_, i) => shape.length - 1 - i);
  nat.permute(a, shape, perm, out);
  ref.permute(a, shape, perm, outr);
  assert.deepEqual(out, outr);
});
