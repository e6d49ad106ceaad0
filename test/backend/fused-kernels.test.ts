/**
 * The fused kernels (optimizer updates; softmax, cross-entropy and batch norm) of the native and
 * wasm backends against the reference implementations of src/backend/kernels.ts, on random
 * sizes (odd lengths, the threaded sizes, optional arrays present and absent). Each case builds
 * the arguments once; every backend runs on its own copy (in its own storage, and on the JS
 * heap for wasm) and each output array must match the reference's per element (rtol 1e-5 for
 * the optimizer updates, which compute in float64 like the reference; 1e-4 for the rest).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KERNELS, kernelSource, type KernelName } from '../../src/backend/kernels.js';
import { createNativeBackend, loadNativeAddon, type NativeIsa } from '../../src/backend/native/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/backend/wasm/index.js';
import type { Backend } from '../../src/backend/backend.js';

/** The fused kernels; each must have a native and a wasm version. */
const FUSED = [
  'sgdUpdate',
  'adamUpdate',
  'adagradUpdate',
  'rmspropUpdate',
  'softmax',
  'softmaxBackward',
  'crossEntropyForward',
  'crossEntropyBackward',
  'batchNormForward',
  'batchNormBackward',
] as const satisfies readonly KernelName[];
type Fused = (typeof FUSED)[number];

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
const rnd = lcg(20261202);
const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
function arr(n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + rnd() * (hi - lo);
  return a;
}

/** One call: its arguments and the indices of the arrays it writes. */
interface Case {
  kernel: Fused;
  what: string;
  args: unknown[];
  outs: number[];
  rtol: number;
}

/** Parameter sizes: tiny, odd, and past the threading threshold of both backends (2^18). */
const SIZES = [1, 7, 1000, 4099, 300_001];

function optimizerCases(): Case[] {
  const cases: Case[] = [];
  for (const n of SIZES) {
    for (const [mu, nesterov, withBuf] of [
      [0, false, false],
      [0.9, false, true],
      [0.8, true, true],
    ] as const) {
      const lr = 0.01 + rnd() * 0.1,
        wd = rnd() < 0.5 ? 0 : 1e-3,
        sign = rnd() < 0.5 ? 1 : -1,
        scale = rnd() < 0.5 ? 1 : 0.9;
      cases.push({
        kernel: 'sgdUpdate',
        what: `n=${n} mu=${mu} nesterov=${nesterov}`,
        rtol: 1e-5,
        outs: [0, 2],
        args: [arr(n), arr(n), withBuf ? arr(n) : null, lr, wd, sign, mu, scale, nesterov],
      });
    }
    for (const [decoupled, amsgrad, step] of [
      [false, false, 1],
      [true, false, 7],
      [false, true, 3],
      [true, true, 1000],
    ] as const) {
      const wd = rnd() < 0.3 ? 0 : 0.01;
      cases.push({
        kernel: 'adamUpdate',
        what: `n=${n} decoupled=${decoupled} amsgrad=${amsgrad} step=${step}`,
        rtol: 1e-5,
        outs: [0, 2, 3, 4],
        args: [
          arr(n),
          arr(n),
          arr(n),
          arr(n, 0, 1),
          amsgrad ? arr(n, 0, 1) : null,
          1e-3,
          0.9,
          0.999,
          1e-8,
          wd,
          decoupled,
          step,
        ],
      });
    }
    cases.push({
      kernel: 'adagradUpdate',
      what: `n=${n}`,
      rtol: 1e-5,
      outs: [0, 2],
      args: [arr(n), arr(n), arr(n, 0, 1), 0.01, 1e-4, 1e-10],
    });
    for (const [centered, momentum] of [
      [false, 0],
      [true, 0],
      [false, 0.9],
      [true, 0.5],
    ] as const) {
      // centered: squareAvg >= gradAvg^2 as the optimizer keeps it
      const ga = centered ? arr(n, -0.5, 0.5) : null;
      const sq = arr(n, 0.3, 1);
      cases.push({
        kernel: 'rmspropUpdate',
        what: `n=${n} centered=${centered} momentum=${momentum}`,
        rtol: 1e-5,
        outs: [0, 2, 3, 4],
        args: [
          arr(n),
          arr(n),
          sq,
          ga,
          momentum > 0 ? arr(n) : null,
          0.01,
          0.99,
          1e-8,
          rnd() < 0.5 ? 0 : 1e-3,
          momentum,
        ],
      });
    }
  }
  return cases;
}

/** (outer, len, inner) layouts: rows, a middle axis with inner > 1, length 1, and threaded sizes. */
const LAYOUTS: [number, number, number][] = [
  [1, 1, 1],
  [3, 10, 1],
  [4, 7, 5],
  [2, 1, 3],
  [64, 10, 1],
  [1, 33, 1],
  [256, 1000, 1],
  [8, 19, 700],
];

function softmaxCases(): Case[] {
  const cases: Case[] = [];
  for (const [outer, len, inner] of LAYOUTS) {
    const n = outer * len * inner;
    for (const log of [false, true]) {
      const what = `(${outer}, ${len}, ${inner}) log=${log}`;
      const x = arr(n, -8, 8);
      if (n > 3) x[1] = 60; // a large logit: the max shift keeps it finite
      cases.push({
        kernel: 'softmax',
        what,
        rtol: 1e-4,
        outs: [5],
        args: [x, outer, len, inner, log, new Float32Array(n)],
      });
      // y: a real (log-)softmax output
      const y = new Float32Array(n);
      KERNELS.softmax.reference(x, outer, len, inner, log, y);
      cases.push({
        kernel: 'softmaxBackward',
        what,
        rtol: 1e-4,
        outs: [6],
        args: [y, arr(n), outer, len, inner, log, new Float32Array(n)],
      });
    }
  }
  return cases;
}

function crossEntropyCases(): Case[] {
  const cases: Case[] = [];
  // (n, c, inner): batches of rows, segmentation-like inner positions, one class, the threaded size
  for (const [n, c, inner] of [
    [1, 1, 1],
    [5, 3, 1],
    [64, 10, 1],
    [3, 4, 6],
    [2, 7, 13],
    [256, 1000, 1],
    [16, 21, 400],
  ] as const) {
    for (const reduction of [0, 1, 2]) {
      for (const [weighted, smoothing, ignore] of [
        [false, 0, -100],
        [true, 0, 1],
        [false, 0.1, 2],
        [true, 0.25, -100],
      ] as const) {
        const t = new Int32Array(n * inner);
        for (let i = 0; i < t.length; i++) t[i] = rnd() < 0.2 ? ignore : int(0, c - 1);
        const z = arr(n * c * inner, -5, 5),
          w = weighted ? arr(c, 0.1, 2) : null;
        const lossLen = reduction === 0 ? n * inner : 1;
        const what = `(${n}, ${c}, ${inner}) reduction=${reduction} weighted=${weighted} smoothing=${smoothing} ignore=${ignore}`;
        cases.push({
          kernel: 'crossEntropyForward',
          what,
          rtol: 1e-4,
          outs: [9, 10],
          args: [
            z,
            t,
            w,
            n,
            c,
            inner,
            ignore,
            smoothing,
            reduction,
            new Float32Array(n * c * inner),
            new Float32Array(lossLen),
          ],
        });
        const probs = new Float32Array(n * c * inner);
        KERNELS.crossEntropyForward.reference(
          z,
          t,
          w,
          n,
          c,
          inner,
          ignore,
          smoothing,
          reduction,
          probs,
          new Float32Array(lossLen),
        );
        cases.push({
          kernel: 'crossEntropyBackward',
          what,
          rtol: 1e-4,
          outs: [10],
          args: [probs, t, w, arr(lossLen), n, c, inner, ignore, smoothing, reduction, new Float32Array(n * c * inner)],
        });
      }
    }
  }
  return cases;
}

function batchNormCases(): Case[] {
  const cases: Case[] = [];
  // (n, c, inner): BatchNorm1d on (N, C), 2d feature maps, one channel, the threaded size
  for (const [n, c, inner] of [
    [2, 1, 1],
    [16, 5, 1],
    [4, 3, 49],
    [3, 1, 100],
    [32, 16, 28 * 28],
    [2, 7, 13],
  ] as const) {
    const size = n * c * inner;
    for (const [training, affine, running] of [
      [true, true, true],
      [true, false, false],
      [false, true, true],
      [false, false, true],
    ] as const) {
      const x = arr(size, -3, 5);
      const w = affine ? arr(c, 0.5, 1.5) : null,
        b = affine ? arr(c) : null;
      const rm = running ? arr(c) : null,
        rv = running ? arr(c, 0.5, 2) : null;
      const what = `(${n}, ${c}, ${inner}) training=${training} affine=${affine} running=${running}`;
      cases.push({
        kernel: 'batchNormForward',
        what,
        rtol: 1e-4,
        outs: [3, 4, 11, 12, 13],
        args: [
          x,
          w,
          b,
          rm,
          rv,
          n,
          c,
          inner,
          training,
          0.1,
          1e-5,
          new Float32Array(size),
          new Float32Array(c),
          new Float32Array(c),
        ],
      });
      const sm = new Float32Array(c),
        si = new Float32Array(c);
      KERNELS.batchNormForward.reference(
        x,
        w,
        b,
        rm ? rm.slice() : null,
        rv ? rv.slice() : null,
        n,
        c,
        inner,
        training,
        0.1,
        1e-5,
        new Float32Array(size),
        sm,
        si,
      );
      for (const withDx of [true, false]) {
        cases.push({
          kernel: 'batchNormBackward',
          what: `${what} dx=${withDx}`,
          rtol: 1e-4,
          outs: [9, 10, 11],
          args: [
            x,
            arr(size),
            w,
            sm,
            si,
            n,
            c,
            inner,
            training,
            withDx ? new Float32Array(size) : null,
            affine ? new Float32Array(c) : null,
            affine ? new Float32Array(c) : null,
          ],
        });
      }
    }
  }
  return cases;
}

const CASES: Case[] = [...optimizerCases(), ...softmaxCases(), ...crossEntropyCases(), ...batchNormCases()];

/** A copy of the arguments: arrays in `alloc` storage (or on the JS heap). */
function copyArgs(args: unknown[], alloc: ((n: number) => Float32Array) | null): unknown[] {
  return args.map((a) => {
    if (a instanceof Float32Array) {
      const c = alloc ? alloc(a.length) : new Float32Array(a.length);
      c.set(a);
      return c;
    }
    if (a instanceof Int32Array) return Int32Array.from(a);
    return a;
  });
}

function call(b: Backend, c: Case, args: unknown[]): void {
  (b[c.kernel] as (...a: unknown[]) => void)(...args);
}

function close(got: Float32Array, want: Float32Array, rtol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i],
      w = want[i];
    if (g === w || (Number.isNaN(g) && Number.isNaN(w))) continue;
    if (!(Math.abs(g - w) <= 1e-7 + rtol * Math.abs(w))) assert.fail(`${what}: element ${i} is ${g}, reference ${w}`);
  }
}

const wanted = new Map<Case, unknown[]>();
/** The reference's results for a case (computed once). */
function reference(c: Case): unknown[] {
  let want = wanted.get(c);
  if (!want) {
    want = copyArgs(c.args, null);
    (KERNELS[c.kernel].reference as (...a: unknown[]) => void)(...want);
    wanted.set(c, want);
  }
  return want;
}

/** Runs every case on `b` and compares with the reference. */
function check(b: Backend, label: string, onHeap: boolean): void {
  for (const c of CASES) {
    const want = reference(c);
    const got = copyArgs(c.args, onHeap ? null : (n) => b.alloc(n));
    call(b, c, got);
    for (const o of c.outs) {
      if (got[o] === null) continue;
      close(
        got[o] as Float32Array,
        want[o] as Float32Array,
        c.rtol,
        `${label} ${c.kernel} ${c.what} arg ${KERNELS[c.kernel].args[o][0]}`,
      );
    }
  }
}

describe('native fused kernels', () => {
  const addon = loadNativeAddon();
  for (const isa of [addon.isa() as NativeIsa]) {
    const nat = createNativeBackend(isa);
    test(`native ${isa}: every fused kernel has a native version`, () => {
      for (const k of FUSED) assert.equal(kernelSource(nat, k), 'backend', `native ${k}`);
    });
    test(`native ${isa}: fused kernels match the reference`, () => check(nat, `native ${isa}`, true));
  }
});

for (const [label, make] of [
  ['threaded', () => createWasmBackend({ threads: 2, smallTensor: 0 })],
  ['single-threaded', () => createWasmBackend({ threads: 1 })],
] as const) {
  describe(`wasm fused kernels (${label})`, () => {
    let b: WasmBackend;
    before(async () => {
      b = make();
      await b.ready();
    });
    after(() => b.dispose());
    test('every fused kernel has a wasm version', () => {
      for (const k of FUSED) assert.equal(kernelSource(b, k), 'backend', `wasm ${k}`);
    });
    test('fused kernels match the reference, operands in wasm memory', () => check(b, `wasm ${label}`, false));
    test('fused kernels match the reference, operands on the JS heap', () => check(b, `wasm ${label} (JS heap)`, true));
  });
}
