/**
 * The conv2dAct kernel (convolution + bias + activation epilogue, inference) of every backend
 * that loads, against the reference (conv2d then the unary op, src/backend/js/fused.ts: error
 * within 1e-4 of the largest output, as test/backend/native-kernels.test.ts allows Winograd)
 * and against the same backend's own conv2d + unary (1e-6 per element), on geometries covering
 * groups, stride, padding, dilation, 1x1 direct convolutions, no bias, and sizes past the wasm
 * threading threshold; activations with and without a SIMD form in wasm. wasm must run it itself.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend, Conv2dGeometry } from '../../src/backend/backend.js';
import { KERNELS, kernelSource } from '../../src/backend/kernels.js';
import { createNativeBackend, loadNativeAddon, type NativeIsa } from '../../src/backend/native/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/backend/wasm/index.js';
import type { UnaryOp } from '../../src/backend/ops.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
const rnd = lcg(14);
function arr(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rnd() * 2 - 1;
  return a;
}

function geometry(
  n: number,
  cIn: number,
  h: number,
  w: number,
  cOut: number,
  k: number,
  { stride = 1, pad = 0, dil = 1, groups = 1 } = {},
): Conv2dGeometry {
  const out = (s: number): number => Math.floor((s + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
  return {
    n,
    cIn,
    h,
    w,
    cOut,
    kh: k,
    kw: k,
    strideH: stride,
    strideW: stride,
    padTop: pad,
    padLeft: pad,
    dilationH: dil,
    dilationW: dil,
    groups,
    outH: out(h),
    outW: out(w),
  };
}

interface Case {
  what: string;
  g: Conv2dGeometry;
  act: UnaryOp;
  alpha: number;
  bias: boolean;
}

const CASES: Case[] = [
  { what: 'LeNet conv1 relu', g: geometry(3, 1, 28, 28, 6, 5, { pad: 2 }), act: 'relu', alpha: 0, bias: true },
  {
    what: 'stride 2 leakyRelu',
    g: geometry(2, 3, 9, 11, 5, 3, { stride: 2, pad: 1 }),
    act: 'leakyRelu',
    alpha: 0.1,
    bias: true,
  },
  {
    what: 'groups, dilation, no bias, tanh',
    g: geometry(2, 4, 10, 10, 6, 3, { dil: 2, groups: 2 }),
    act: 'tanh',
    alpha: 0,
    bias: false,
  },
  { what: '1x1 direct sigmoid', g: geometry(2, 8, 7, 7, 5, 1), act: 'sigmoid', alpha: 0, bias: true },
  {
    what: 'depthwise odd width relu',
    g: geometry(1, 3, 5, 7, 3, 3, { pad: 1, groups: 3 }),
    act: 'relu',
    alpha: 0,
    bias: true,
  },
  // 2 * 16 * 24 * 24 * 16 * 9 multiply-adds > 2^20: threaded in wasm
  { what: 'threaded 3x3 relu', g: geometry(2, 16, 24, 24, 16, 3, { pad: 1 }), act: 'relu', alpha: 0, bias: true },
];

interface Inputs {
  x: Float32Array;
  w: Float32Array;
  bias: Float32Array | null;
  want: Float32Array;
}
const inputs = new Map<Case, Inputs>();
function inputsOf(c: Case): Inputs {
  let r = inputs.get(c);
  if (r === undefined) {
    const { g } = c;
    const x = arr(g.n * g.cIn * g.h * g.w),
      w = arr(g.cOut * (g.cIn / g.groups) * g.kh * g.kw),
      bias = c.bias ? arr(g.cOut) : null;
    const want = new Float32Array(g.n * g.cOut * g.outH * g.outW);
    KERNELS.conv2dAct.reference(x, w, bias, g, c.act, c.alpha, want);
    r = { x, w, bias, want };
    inputs.set(c, r);
  }
  return r;
}

function copy(b: Backend, a: Float32Array): Float32Array {
  const c = b.alloc(a.length);
  c.set(a);
  return c;
}

function check(b: Backend, label: string): void {
  for (const c of CASES) {
    const { x, w, bias, want } = inputsOf(c);
    const bx = copy(b, x),
      bw = copy(b, w),
      bb = bias === null ? null : copy(b, bias);
    const got = b.alloc(want.length);
    b.conv2dAct(bx, bw, bb, c.g, c.act, c.alpha, got);
    // the same backend unfused: conv2d, then the op in place
    const unfused = b.alloc(want.length);
    b.conv2d(bx, bw, bb, c.g, unfused);
    b.unary(c.act, unfused, unfused, c.alpha);
    // against the reference: relative to the largest output (Winograd and blocked sums round differently)
    let scale = 0;
    for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
    for (let i = 0; i < want.length; i++) {
      const e = want[i];
      if (!(Math.abs(got[i] - e) <= 1e-4 * scale))
        assert.fail(`${label} ${c.what}: element ${i} is ${got[i]}, reference ${e} (largest output ${scale})`);
      if (!(Math.abs(got[i] - unfused[i]) <= 1e-6 * (1 + Math.abs(unfused[i]))))
        assert.fail(`${label} ${c.what}: element ${i} is ${got[i]}, conv2d + ${c.act} gives ${unfused[i]}`);
    }
  }
}

test('reference conv2dAct: relu is max(0, conv + bias)', () => {
  const c = CASES[0];
  const { x, w, bias, want } = inputsOf(c);
  const conv = new Float32Array(want.length);
  KERNELS.conv2d.reference(x, w, bias, c.g, conv);
  let negatives = 0;
  for (let i = 0; i < conv.length; i++) {
    if (conv[i] < 0) negatives++;
    assert.equal(want[i], Math.max(0, conv[i]), `element ${i}`);
  }
  assert.ok(negatives > 0, 'the case has negative pre-activations');
});

test('an unknown activation is refused, naming it', async () => {
  const b = createWasmBackend({ threads: 1 });
  await b.ready();
  const c = CASES[0];
  const { x, w, bias, want } = inputsOf(c);
  assert.throws(() => b.conv2dAct(x, w, bias, c.g, 'nope' as UnaryOp, 0, new Float32Array(want.length)), /nope/);
  b.dispose();
});

describe('native conv2dAct', () => {
  const addon = loadNativeAddon();
  const nat = createNativeBackend(addon.isa() as NativeIsa);
  test(`native: matches the reference and its own conv2d + unary (${kernelSource(nat, 'conv2dAct')})`, () =>
    check(nat, 'native'));
});

for (const [label, make] of [
  ['threaded', () => createWasmBackend({ threads: 2, smallTensor: 0 })],
  ['single-threaded', () => createWasmBackend({ threads: 1 })],
] as const) {
  describe(`wasm conv2dAct (${label})`, () => {
    let b: WasmBackend;
    before(async () => {
      b = make();
      await b.ready();
    });
    after(() => b.dispose());
    test('wasm runs conv2dAct itself', () => assert.equal(kernelSource(b, 'conv2dAct'), 'backend'));
    test('matches the reference and its own conv2d + unary', () => check(b, `wasm ${label}`));
  });
}
