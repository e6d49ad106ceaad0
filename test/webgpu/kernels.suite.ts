/**
 * Parity of every WGSL kernel (src/backend/webgpu/kernels) with the js reference of the kernel
 * table, on randomized shapes: odd sizes, transposes, offsets and strides, asymmetric padding,
 * dilation, groups, depthwise, batch 1, aliasing (out === x), every unary / binary / reduce op.
 * Each case runs the WGSL kernel on the direct runner and the reference on copies of the same
 * arrays, then compares every array the kernel writes. Runs on the page (`npm run test:webgpu kernels`).
 */
import type { Conv2dGeometry, Pool2dGeometry } from '../../src/backend/backend.js';
import { KERNELS, type KernelName, type Kernels } from '../../src/backend/kernels.js';
import { BINARY_OPS, type BinaryOp, UNARY_OPS, type UnaryOp } from '../../src/backend/ops.js';
import { WEBGPU_KERNELS } from '../../src/backend/webgpu/kernels/index.js';
import type { SuiteContext, Tolerance } from './suite.js';

type Arr = Float32Array | Int32Array;

/** Deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = rng(1234);
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
function uniform(n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rand();
  return a;
}

/** Copies the arrays among `args`, keeping aliasing (one copy per distinct array). */
function cloneArgs(args: readonly unknown[]): unknown[] {
  const copies = new Map<unknown, unknown>();
  return args.map((v) => {
    if (!(v instanceof Float32Array || v instanceof Int32Array)) return v;
    let c = copies.get(v);
    if (c === undefined) {
      c = v.slice();
      copies.set(v, c);
    }
    return c;
  });
}

/**
 * Runs kernel `name` on the GPU and the reference on copies of the same arguments, then compares
 * the arrays at `outs` (argument positions). `exact`: bitwise-equal (Object.is) instead of close.
 */
async function parity<K extends KernelName>(
  t: SuiteContext,
  name: K,
  args: Parameters<Kernels[K]>,
  outs: readonly number[],
  tol: Tolerance | 'exact' = {},
  label = '',
): Promise<void> {
  const gpu = WEBGPU_KERNELS[name] as ((r: unknown, ...a: unknown[]) => void) | undefined;
  if (!gpu) throw new Error(`no WebGPU kernel '${name}'`);
  const refArgs = cloneArgs(args as unknown[]);
  (KERNELS[name].reference as (...a: unknown[]) => void)(...refArgs);
  gpu(t.runner, ...(args as unknown[]));
  for (const i of outs) {
    const want = refArgs[i] as Arr;
    const got = await t.read(args[i] as Arr);
    const what = `${name}${label ? ` ${label}` : ''} argument ${i}`;
    if (tol === 'exact') t.equal(got, want, what);
    else t.close(got, want, tol, what);
  }
}

/** Inputs where an op is defined and well conditioned. */
function opInput(op: UnaryOp, n: number): Float32Array {
  switch (op) {
    case 'log':
    case 'sqrt':
      return uniform(n, 0.05, 4);
    case 'reciprocal':
      return uniform(n, 0.2, 3).map((v, i) => (i % 2 ? v : -v));
    case 'powScalar':
      return uniform(n, 0.1, 3);
    case 'round':
    case 'floor':
    case 'ceil':
      return uniform(n, -5, 5).map((v, i) => (i % 7 === 0 ? Math.round(v * 2) / 2 : v));
    case 'exp':
    case 'softplus':
    case 'sigmoid':
    case 'silu':
    case 'tanh':
    case 'gelu':
    case 'elu':
    case 'selu':
      return uniform(n, -8, 8).map((v, i) => (i % 5 === 0 ? v * 1e-3 : v));
    default:
      return uniform(n, -3, 3);
  }
}

const ALPHA: Partial<Record<UnaryOp, number>> = {
  leakyRelu: 0.01,
  elu: 1.3,
  powScalar: 2.5,
  addScalar: 0.75,
  mulScalar: -1.5,
};

function conv(
  p: Partial<Conv2dGeometry> & Pick<Conv2dGeometry, 'n' | 'cIn' | 'h' | 'w' | 'cOut' | 'kh' | 'kw'>,
  padBottom = 0,
  padRight = 0,
): Conv2dGeometry {
  const g = {
    strideH: 1,
    strideW: 1,
    padTop: 0,
    padLeft: 0,
    dilationH: 1,
    dilationW: 1,
    groups: 1,
    outH: 0,
    outW: 0,
    ...p,
  };
  g.outH = Math.floor((g.h + g.padTop + padBottom - g.dilationH * (g.kh - 1) - 1) / g.strideH) + 1;
  g.outW = Math.floor((g.w + g.padLeft + padRight - g.dilationW * (g.kw - 1) - 1) / g.strideW) + 1;
  return g;
}

/** Registers the kernel parity tests. */
export async function run(t: SuiteContext): Promise<void> {
  // ---- elementwise ---------------------------------------------------------------------------
  t.test('unary: every op vs the reference (odd length)', async () => {
    for (const op of Object.keys(UNARY_OPS) as UnaryOp[]) {
      const n = 1000 + int(0, 37);
      const x = opInput(op, n);
      const exact = (UNARY_OPS[op] as { exact?: boolean }).exact === true && op !== 'sqrt' && op !== 'reciprocal';
      await parity(
        t,
        'unary',
        [op, x, new Float32Array(n), ALPHA[op] ?? 0],
        [2],
        exact ? 'exact' : { atol: 2e-6, rtol: 2e-5 },
        op,
      );
    }
  });
  t.test('unary: in place (out === x), large grid', async () => {
    const n = 70_001;
    const x = uniform(n, -2, 2);
    await parity(t, 'unary', ['relu', x, x, 0], [1], 'exact');
    const y = uniform(n, -2, 2);
    await parity(t, 'unary', ['sigmoid', y, y, 0], [1], { atol: 1e-6, rtol: 1e-5 });
  });
  t.test('unaryBackward: every op with a gradient', async () => {
    for (const op of Object.keys(UNARY_OPS) as UnaryOp[]) {
      if (!('grad' in UNARY_OPS[op])) continue;
      const n = 513;
      const x = opInput(op, n);
      const y = new Float32Array(n);
      KERNELS.unary.reference(op, x, y, ALPHA[op] ?? 0);
      await parity(t, 'unaryBackward', [op, x, y, uniform(n), new Float32Array(n), ALPHA[op] ?? 0], [4], {
        atol: 2e-6,
        rtol: 2e-5,
      });
    }
  });
  t.test('reluBackward, and dx aliasing dy', async () => {
    const y = uniform(777).map((v) => (v > 0.3 ? v : 0));
    await parity(t, 'reluBackward', [y, uniform(777), new Float32Array(777)], [2], 'exact');
    const dy = uniform(777);
    await parity(t, 'reluBackward', [y, dy, dy], [1], 'exact');
  });
  t.test('binary: every op, same shapes and broadcasting', async () => {
    const shapes: [number[], number[], number[]][] = [
      [
        [3, 5, 7],
        [3, 5, 7],
        [3, 5, 7],
      ],
      [
        [3, 5, 7],
        [1, 5, 1],
        [3, 5, 7],
      ],
      [
        [1, 1, 7],
        [3, 5, 1],
        [3, 5, 7],
      ],
      [
        [2, 1, 4, 3],
        [1, 6, 1, 3],
        [2, 6, 4, 3],
      ],
      [[1], [1], [1]],
      [
        [4, 1],
        [1, 1],
        [4, 1],
      ],
      [
        [2, 3, 1, 5, 1],
        [2, 1, 4, 5, 3],
        [2, 3, 4, 5, 3],
      ],
    ];
    for (const op of Object.keys(BINARY_OPS) as BinaryOp[]) {
      for (const [as, bs, os] of shapes) {
        const size = (s: number[]): number => s.reduce((p, d) => p * d, 1);
        const a = op === 'pow' ? uniform(size(as), 0.2, 3) : uniform(size(as));
        const b = uniform(size(bs), -2, 2);
        if (op === 'eq' || op === 'ne' || op === 'le' || op === 'ge')
          for (let i = 0; i < b.length; i += 3) b[i] = a[i % a.length];
        const exact = (BINARY_OPS[op] as { exact?: boolean }).exact === true && op !== 'div';
        await parity(
          t,
          'binary',
          [op, a, as, b, bs, new Float32Array(size(os)), os],
          [5],
          exact ? 'exact' : { atol: 1e-6, rtol: 1e-5 },
        );
      }
    }
  });
  t.test('binary: NaN propagation of maximum/minimum, pow special cases, aliasing', async () => {
    const a = new Float32Array([Number.NaN, 1, -2, 0, -0, 3, Number.NaN, -8, -8, 0, 2, -1]);
    const b = new Float32Array([1, Number.NaN, 3, -1, 3, 0, Number.NaN, 1 / 3, 3, 0.5, Infinity, Infinity]);
    for (const op of ['maximum', 'minimum', 'pow'] as const)
      await parity(t, 'binary', [op, a, [12], b, [12], new Float32Array(12), [12]], [5], { atol: 1e-6, rtol: 1e-5 });
    const x = uniform(60);
    const y = uniform(12);
    await parity(t, 'binary', ['mul', x, [5, 12], y, [1, 12], x, [5, 12]], [1], 'exact');
    const z = uniform(30);
    await parity(t, 'binary', ['add', z, [30], z, [30], z, [30]], [0], 'exact');
  });

  // ---- gemm ----------------------------------------------------------------------------------
  t.test('gemm: transposes, odd sizes, batch, offsets, strides, alpha / beta', async () => {
    const cases = [
      [false, false, 1, 1, 1, 1],
      [false, false, 1, 17, 23, 9],
      [true, false, 2, 33, 65, 70],
      [false, true, 3, 64, 64, 64],
      [true, true, 1, 5, 130, 33],
      [false, false, 1, 6, 10, 1000],
      [true, false, 1, 7, 9, 3000],
      [false, true, 2, 100, 3, 17],
    ] as const;
    for (const [ta, tb, batch, m, n, k] of cases) {
      const aOff = int(0, 5);
      const bOff = int(0, 5);
      const cOff = int(0, 5);
      const sa = m * k + int(0, 3);
      const sb = batch > 1 && rand() < 0.3 ? 0 : k * n + int(0, 3);
      const sc = m * n + int(0, 3);
      const a = uniform(aOff + sa * batch);
      const b = uniform(bOff + Math.max(sb * batch, k * n));
      for (const beta of [0, 0.5]) {
        const c = uniform(cOff + sc * batch);
        const tol = { atol: 1e-5 * Math.sqrt(k), rtol: 1e-4 };
        const t0 = performance.now();
        await parity(t, 'gemm', [ta, tb, batch, m, n, k, 1.25, a, aOff, sa, b, bOff, sb, beta, c, cOff, sc], [14], tol);
        t.log(`gemm ${[ta, tb, batch, m, n, k, beta]} ${(performance.now() - t0).toFixed(0)} ms`);
      }
    }
  });
  void conv;
  void (null as unknown as Pool2dGeometry);
}
