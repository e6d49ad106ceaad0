/**
 * The conv2dActPool kernel (convolution + bias + activation + max pool, inference) of the native
 * backend against the reference (conv2dAct then maxPool2d, src/backend/js/fused.ts): error within
 * 1e-4 of the largest output, and within 1e-5 of the native conv2dAct + maxPool2d composition,
 * over fixed cases (LeNet's two layers, the width-vectorised path's blocks and channel groups, the
 * direct path's tile tails, the fallback's groups and wide layers; on every ISA level) and random geometries: batch 1..5, odd sizes, padding, stride and dilation of
 * both the convolution and the pool, channels 1..20, with and without bias, relu / leakyRelu /
 * tanh; NaN inputs; mismatched geometries refused.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend, Conv2dGeometry, Pool2dGeometry } from '../../src/backend/backend.js';
import { KERNELS, kernelSource } from '../../src/backend/kernels.js';
import { createNativeBackend, loadNativeAddon, type NativeIsa } from '../../src/backend/native/index.js';
import type { UnaryOp } from '../../src/backend/ops.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
const rnd = lcg(2026);
const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
function arr(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rnd() * 2 - 1;
  return a;
}

const slide = (s: number, k: number, stride: number, pad: number, dil: number): number =>
  Math.floor((s + 2 * pad - dil * (k - 1) - 1) / stride) + 1;

interface ConvSpec {
  n: number;
  cIn: number;
  h: number;
  w: number;
  cOut: number;
  kh: number;
  kw: number;
  stride?: number;
  pad?: number;
  dil?: number;
  groups?: number;
}
function convGeometry(s: ConvSpec): Conv2dGeometry {
  const { stride = 1, pad = 0, dil = 1, groups = 1 } = s;
  return {
    n: s.n,
    cIn: s.cIn,
    h: s.h,
    w: s.w,
    cOut: s.cOut,
    kh: s.kh,
    kw: s.kw,
    strideH: stride,
    strideW: stride,
    padTop: pad,
    padLeft: pad,
    dilationH: dil,
    dilationW: dil,
    groups,
    outH: slide(s.h, s.kh, stride, pad, dil),
    outW: slide(s.w, s.kw, stride, pad, dil),
  };
}
function poolGeometry(g: Conv2dGeometry, k: number, stride: number, pad = 0, dil = 1): Pool2dGeometry {
  return {
    n: g.n,
    c: g.cOut,
    h: g.outH,
    w: g.outW,
    kh: k,
    kw: k,
    strideH: stride,
    strideW: stride,
    padTop: pad,
    padLeft: pad,
    dilationH: dil,
    dilationW: dil,
    outH: slide(g.outH, k, stride, pad, dil),
    outW: slide(g.outW, k, stride, pad, dil),
  };
}

interface Case {
  what: string;
  g: Conv2dGeometry;
  pg: Pool2dGeometry;
  act: UnaryOp;
  alpha: number;
  bias: boolean;
}
function fixed(what: string, s: ConvSpec, pool: [number, number, number?, number?], act: UnaryOp = 'relu'): Case {
  const g = convGeometry(s);
  return { what, g, pg: poolGeometry(g, ...pool), act, alpha: act === 'leakyRelu' ? 0.1 : 0, bias: true };
}

const CASES: Case[] = [
  fixed('LeNet conv1', { n: 3, cIn: 1, h: 28, w: 28, cOut: 6, kh: 5, kw: 5, pad: 2 }, [2, 2]),
  fixed('LeNet conv2', { n: 3, cIn: 6, h: 14, w: 14, cOut: 16, kh: 5, kw: 5 }, [2, 2]),
  // the width-vectorised path (stride-1 conv, few channels, 2x2 / stride 2 pool): one and two
  // vectors per block, several blocks with a short last store, channel groups with a tail, an
  // odd conv output (its last row and column unpooled), cIn > 1, the other activations
  fixed('rows: batch 1, 1 -> 1, 9x9 padded', { n: 1, cIn: 1, h: 9, w: 9, cOut: 1, kh: 3, kw: 3, pad: 1 }, [2, 2]),
  fixed(
    'rows: 7 channels, 29x31, two blocks, leaky',
    { n: 2, cIn: 2, h: 29, w: 31, cOut: 7, kh: 5, kw: 5, pad: 2 },
    [2, 2],
    'leakyRelu',
  ),
  fixed(
    'rows: 13 channels (groups 6 + 6 + 1), tanh',
    { n: 3, cIn: 3, h: 16, w: 17, cOut: 13, kh: 3, kw: 3, pad: 1 },
    [2, 2],
    'tanh',
  ),
  fixed('rows: 2x4 kernel, odd output 11x31', { n: 2, cIn: 4, h: 12, w: 34, cOut: 5, kh: 2, kw: 4 }, [2, 2]),
  fixed('rows: 1x1 kernel, 3 channels, wide', { n: 5, cIn: 3, h: 6, w: 63, cOut: 3, kh: 1, kw: 1 }, [2, 2], 'tanh'),
  fixed('batch 1, 1 channel, 1x1', { n: 1, cIn: 1, h: 5, w: 3, cOut: 1, kh: 1, kw: 1 }, [1, 1]),
  fixed(
    '9..16 channels, odd sizes, leaky',
    { n: 2, cIn: 3, h: 13, w: 11, cOut: 13, kh: 3, kw: 3, pad: 1 },
    [3, 2],
    'leakyRelu',
  ),
  fixed('17 channels: the fallback', { n: 2, cIn: 5, h: 9, w: 9, cOut: 17, kh: 3, kw: 3, pad: 1 }, [2, 2]),
  fixed('groups: the fallback', { n: 2, cIn: 4, h: 8, w: 8, cOut: 6, kh: 3, kw: 3, groups: 2 }, [2, 2]),
  fixed('Fashion-like 3x3 32->64', { n: 2, cIn: 32, h: 12, w: 12, cOut: 64, kh: 3, kw: 3, pad: 1 }, [2, 2]),
  fixed(
    'padded, dilated pool, tanh',
    { n: 2, cIn: 2, h: 10, w: 7, cOut: 5, kh: 2, kw: 3, stride: 2, pad: 1 },
    [3, 1, 1, 2],
    'tanh',
  ),
];
const ACTS: UnaryOp[] = ['relu', 'leakyRelu', 'tanh'];
for (let i = 0; CASES.length < 60; i++) {
  const k = int(1, 5),
    dil = rnd() < 0.2 ? 2 : 1,
    stride = rnd() < 0.25 ? 2 : 1,
    pad = int(0, Math.floor(k / 2));
  const spec: ConvSpec = {
    n: int(1, 5),
    cIn: int(1, 20),
    h: int(dil * (k - 1) + 2, 17),
    w: int(dil * (k - 1) + 2, 17),
    cOut: int(1, 20),
    kh: k,
    kw: rnd() < 0.3 ? int(1, k) : k,
    stride,
    pad,
    dil,
  };
  const g = convGeometry(spec);
  const pk = int(1, 3),
    ps = int(1, 3),
    pp = int(0, Math.floor(pk / 2)),
    pd = rnd() < 0.2 ? 2 : 1;
  const pg = poolGeometry(g, pk, ps, pp, pd);
  if (g.outH < 1 || g.outW < 1 || pg.outH < 1 || pg.outW < 1) continue;
  const act = ACTS[int(0, 2)];
  CASES.push({ what: `random ${i}`, g, pg, act, alpha: act === 'leakyRelu' ? 0.2 : 0, bias: rnd() < 0.8 });
}

interface Inputs {
  x: Float32Array;
  w: Float32Array;
  bias: Float32Array | null;
  want: Float32Array;
}
function inputsOf(c: Case, nanAt = -1): Inputs {
  const { g, pg } = c;
  const x = arr(g.n * g.cIn * g.h * g.w),
    w = arr(g.cOut * (g.cIn / g.groups) * g.kh * g.kw),
    bias = c.bias ? arr(g.cOut) : null;
  if (nanAt >= 0) x[nanAt % x.length] = Number.NaN;
  const want = new Float32Array(pg.n * pg.c * pg.outH * pg.outW);
  KERNELS.conv2dActPool.reference(x, w, bias, g, c.act, c.alpha, pg, want);
  return { x, w, bias, want };
}

function copy(b: Backend, a: Float32Array): Float32Array {
  const c = b.alloc(a.length);
  c.set(a);
  return c;
}

function check(b: Backend, c: Case, nanAt = -1): void {
  const { x, w, bias, want } = inputsOf(c, nanAt);
  const { g, pg } = c;
  const bx = copy(b, x),
    bw = copy(b, w),
    bb = bias === null ? null : copy(b, bias);
  const got = b.alloc(want.length);
  got.fill(12345);
  b.conv2dActPool(bx, bw, bb, g, c.act, c.alpha, pg, got);
  // the same backend unfused: conv2dAct, then maxPool2d
  const conv = b.alloc(g.n * g.cOut * g.outH * g.outW);
  b.conv2dAct(bx, bw, bb, g, c.act, c.alpha, conv);
  const unfused = b.alloc(want.length);
  b.maxPool2d(conv, pg, unfused, new Int32Array(want.length));
  let scale = 0;
  for (let i = 0; i < want.length; i++) if (Number.isFinite(want[i])) scale = Math.max(scale, Math.abs(want[i]));
  const label = `${c.what} (${JSON.stringify(g)}, pool ${pg.kh}/${pg.strideH}/${pg.padTop}/${pg.dilationH}, ${c.act})`;
  for (let i = 0; i < want.length; i++) {
    const e = want[i];
    if (Number.isNaN(e) || Number.isNaN(got[i])) {
      assert.ok(Number.isNaN(e) && Number.isNaN(got[i]), `${label}: element ${i} is ${got[i]}, reference ${e}`);
      continue;
    }
    if (!(Math.abs(got[i] - e) <= 1e-4 * scale))
      assert.fail(`${label}: element ${i} is ${got[i]}, reference ${e} (largest output ${scale})`);
    if (!(Math.abs(got[i] - unfused[i]) <= 1e-5 * (1 + scale)))
      assert.fail(`${label}: element ${i} is ${got[i]}, conv2dAct + maxPool2d give ${unfused[i]}`);
  }
}

test('reference conv2dActPool: the max of act(conv) over each window', () => {
  const c = CASES[0];
  const { x, w, bias, want } = inputsOf(c);
  const conv = new Float32Array(c.g.n * c.g.cOut * c.g.outH * c.g.outW);
  KERNELS.conv2dAct.reference(x, w, bias, c.g, c.act, c.alpha, conv);
  // LeNet conv1: 2x2 windows, stride 2 over 28x28
  for (const [p, oh, ow] of [
    [0, 0, 0],
    [5, 13, 13],
    [17, 6, 9],
  ]) {
    const base = p * 28 * 28 + 2 * oh * 28 + 2 * ow;
    const m = Math.max(conv[base], conv[base + 1], conv[base + 28], conv[base + 29]);
    assert.equal(want[p * 14 * 14 + oh * 14 + ow], m, `plane ${p} (${oh}, ${ow})`);
  }
});

test('reference conv2dActPool: a pool geometry that is not the convolution output is refused', () => {
  const c = CASES[1];
  const { x, w, bias } = inputsOf(c);
  const pg = { ...c.pg, c: c.pg.c + 1 };
  assert.throws(
    () => KERNELS.conv2dActPool.reference(x, w, bias, c.g, 'relu', 0, pg, new Float32Array(4096)),
    /conv2dActPool: the pool's input \(n 3, c 17/,
  );
});

describe('native conv2dActPool', () => {
  const addon = loadNativeAddon();
  const defaultIsa = addon.isa() as NativeIsa;
  const nat = createNativeBackend(defaultIsa);
  test('native runs conv2dActPool itself', () => assert.equal(kernelSource(nat, 'conv2dActPool'), 'backend'));
  test(`matches the reference and its own conv2dAct + maxPool2d (${CASES.length} geometries)`, () => {
    for (const c of CASES) check(nat, c);
  });
  test('every ISA level matches the reference on the fixed geometries', () => {
    const fixedCases = CASES.filter((c) => !c.what.startsWith('random'));
    try {
      for (const isa of addon.supportedIsas() as NativeIsa[]) {
        const be = createNativeBackend(isa);
        for (const c of fixedCases) check(be, { ...c, what: `${isa}: ${c.what}` });
        for (const c of fixedCases.slice(0, 7)) check(be, { ...c, what: `${isa} NaN: ${c.what}`, act: 'tanh' }, 37);
      }
    } finally {
      createNativeBackend(defaultIsa);
    }
  });
  test('a NaN input gives NaN where its window reaches, as the reference', () => {
    // the direct path's geometries (Winograd, in the fallback, spreads a NaN over its whole tile)
    const direct = CASES.filter((c) => c.g.groups === 1 && c.g.cOut <= 16 && c.g.cIn < 16).slice(0, 16);
    for (const c of direct) check(nat, { ...c, act: c.act === 'relu' ? 'tanh' : c.act }, 37);
  });
  test('bit-identical from run to run', () => {
    const c = CASES[1];
    const { x, w, bias, want } = inputsOf(c);
    const a = nat.alloc(want.length),
      b = nat.alloc(want.length);
    nat.conv2dActPool(x, w, bias, c.g, c.act, c.alpha, c.pg, a);
    nat.conv2dActPool(x, w, bias, c.g, c.act, c.alpha, c.pg, b);
    assert.deepEqual(a, b);
  });
  test('mismatched pool geometry and short output are refused, naming the kernel', () => {
    const c = CASES[1];
    const { x, w, bias, want } = inputsOf(c);
    assert.throws(
      () => nat.conv2dActPool(x, w, bias, c.g, c.act, c.alpha, { ...c.pg, h: c.pg.h + 1 }, want),
      /conv2dActPool: the pool's input/,
    );
    assert.throws(
      () => nat.conv2dActPool(x, w, bias, c.g, c.act, c.alpha, c.pg, new Float32Array(want.length - 1)),
      /conv2dActPool: y has/,
    );
  });
});
