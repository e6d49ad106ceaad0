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
import type { GpuRunner } from '../../src/backend/webgpu/dispatch.js';
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

const wgslByKey = new Map<string, string>();

/**
 * A runner in front of the suite's: checks that one pipeline key always comes with the same
 * WGSL (the runner compiles each key once), and can report smaller limits than the device's so
 * that the grid-splitting paths run.
 */
function checkingRunner(inner: GpuRunner, maxWorkgroups?: number): GpuRunner {
  return {
    run(d) {
      const seen = wgslByKey.get(d.key);
      if (seen !== undefined && seen !== d.wgsl)
        throw new Error(`pipeline key '${d.key}' used with two different WGSL sources`);
      wgslByKey.set(d.key, d.wgsl);
      for (const w of d.workgroups)
        if (maxWorkgroups !== undefined && w > maxWorkgroups)
          throw new Error(`dispatch '${d.key}': ${w} workgroups > ${maxWorkgroups}`);
      inner.run(d);
    },
    scratch: (n, dtype) => inner.scratch(n, dtype),
    release: (a) => inner.release(a),
    limits:
      maxWorkgroups === undefined ? inner.limits : { ...inner.limits, maxComputeWorkgroupsPerDimension: maxWorkgroups },
  };
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
  maxWorkgroups?: number,
): Promise<void> {
  const gpu = WEBGPU_KERNELS[name] as ((r: unknown, ...a: unknown[]) => void) | undefined;
  if (!gpu) throw new Error(`no WebGPU kernel '${name}'`);
  const refArgs = cloneArgs(args as unknown[]);
  (KERNELS[name].reference as (...a: unknown[]) => void)(...refArgs);
  gpu(checkingRunner(t.runner, maxWorkgroups), ...(args as unknown[]));
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

  // ---- convolution ---------------------------------------------------------------------------
  const convCases: [string, Conv2dGeometry][] = [
    ['LeNet conv1 (batch 3, 1 -> 6, 5x5)', conv({ n: 3, cIn: 1, h: 28, w: 28, cOut: 6, kh: 5, kw: 5 })],
    ['3x3 pad 1, odd sizes', conv({ n: 2, cIn: 5, h: 9, w: 11, cOut: 7, kh: 3, kw: 3, padTop: 1, padLeft: 1 }, 1, 1)],
    [
      'stride 2, asymmetric padding',
      conv({ n: 1, cIn: 3, h: 10, w: 7, cOut: 4, kh: 3, kw: 2, strideH: 2, strideW: 2, padTop: 2, padLeft: 0 }, 1, 1),
    ],
    [
      'dilation 2, stride (1, 3)',
      conv(
        {
          n: 2,
          cIn: 2,
          h: 13,
          w: 12,
          cOut: 3,
          kh: 3,
          kw: 3,
          dilationH: 2,
          dilationW: 2,
          strideW: 3,
          padTop: 1,
          padLeft: 2,
        },
        0,
        1,
      ),
    ],
    ['groups 2', conv({ n: 2, cIn: 4, h: 6, w: 6, cOut: 6, kh: 3, kw: 3, groups: 2, padTop: 1, padLeft: 1 }, 1, 1)],
    [
      'depthwise 5 channels',
      conv({ n: 1, cIn: 5, h: 8, w: 9, cOut: 5, kh: 3, kw: 3, groups: 5, padTop: 1, padLeft: 1 }, 1, 1),
    ],
    ['1x1, many channels (long K in dw)', conv({ n: 4, cIn: 40, h: 12, w: 12, cOut: 36, kh: 1, kw: 1 })],
    [
      'implicit GEMM path: 20 -> 18 channels, 3x3 stride 2 dilation 2, asymmetric padding',
      conv(
        {
          n: 2,
          cIn: 20,
          h: 11,
          w: 10,
          cOut: 18,
          kh: 3,
          kw: 3,
          strideH: 2,
          strideW: 2,
          dilationH: 2,
          dilationW: 1,
          padTop: 2,
          padLeft: 1,
        },
        0,
        2,
      ),
    ],
    [
      'implicit GEMM path with groups 2 (20 -> 36)',
      conv({ n: 1, cIn: 40, h: 7, w: 9, cOut: 36, kh: 3, kw: 2, groups: 2, padTop: 1, padLeft: 0 }, 1, 1),
    ],
  ];
  for (const [label, g] of convCases) {
    t.test(`conv2d forward + backward data + backward weight: ${label}`, async () => {
      const cInG = g.cIn / g.groups;
      const x = uniform(g.n * g.cIn * g.h * g.w);
      const w = uniform(g.cOut * cInG * g.kh * g.kw);
      const y = new Float32Array(g.n * g.cOut * g.outH * g.outW);
      const tol = { atol: 2e-5, rtol: 1e-4 };
      await parity(t, 'conv2d', [x, w, uniform(g.cOut), g, y], [4], tol, label);
      await parity(t, 'conv2d', [x, w, null, g, y], [4], tol, `${label} (no bias)`);
      const dy = uniform(y.length);
      await parity(t, 'conv2dBackwardData', [dy, w, g, uniform(x.length)], [3], tol, label);
      await parity(t, 'conv2dBackwardWeight', [x, dy, g, uniform(w.length)], [3], { atol: 1e-4, rtol: 1e-4 }, label);
    });
  }

  t.test('conv2dAct: relu / leakyRelu epilogues, with and without bias', async () => {
    for (const [act, alpha, g] of [
      ['relu', 0, convCases[1][1]],
      ['leakyRelu', 0.1, convCases[1][1]],
    ] as const) {
      const x = uniform(g.n * g.cIn * g.h * g.w);
      const w = uniform((g.cOut * g.cIn * g.kh * g.kw) / g.groups);
      const y = new Float32Array(g.n * g.cOut * g.outH * g.outW);
      const tol = { atol: 2e-5, rtol: 1e-4 };
      await parity(t, 'conv2dAct', [x, w, uniform(g.cOut), g, act, alpha, y], [6], tol, act);
      await parity(t, 'conv2dAct', [x, w, null, g, act, alpha, y], [6], tol, `${act} (no bias)`);
    }
  });

  // ---- pooling -------------------------------------------------------------------------------
  const pool = (p: Omit<Pool2dGeometry, 'outH' | 'outW'>, padBottom = 0, padRight = 0): Pool2dGeometry => ({
    ...p,
    outH: Math.floor((p.h + p.padTop + padBottom - p.dilationH * (p.kh - 1) - 1) / p.strideH) + 1,
    outW: Math.floor((p.w + p.padLeft + padRight - p.dilationW * (p.kw - 1) - 1) / p.strideW) + 1,
  });
  const base = { strideH: 1, strideW: 1, padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1 };
  const poolCases: [string, Pool2dGeometry][] = [
    ['2x2 stride 2', pool({ ...base, n: 2, c: 3, h: 8, w: 8, kh: 2, kw: 2, strideH: 2, strideW: 2 })],
    [
      '3x3 stride 2 pad 1, odd',
      pool({ ...base, n: 1, c: 2, h: 9, w: 7, kh: 3, kw: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1 }, 1, 1),
    ],
    [
      'overlapping 3x3 stride 1, asymmetric padding',
      pool({ ...base, n: 2, c: 2, h: 6, w: 5, kh: 3, kw: 3, padTop: 1, padLeft: 0 }, 0, 2),
    ],
    [
      'dilation 2, ceil-mode overhang',
      pool(
        { ...base, n: 1, c: 3, h: 10, w: 11, kh: 2, kw: 3, strideH: 3, strideW: 2, dilationH: 2, dilationW: 2 },
        2,
        1,
      ),
    ],
    ['pool1d (h = 1)', pool({ ...base, n: 3, c: 2, h: 1, w: 17, kh: 1, kw: 4, strideW: 3 })],
  ];
  for (const [label, g] of poolCases) {
    t.test(`max / avg pooling forward and backward: ${label}`, async () => {
      const x = uniform(g.n * g.c * g.h * g.w);
      // ties: a few equal values (first wins)
      for (let i = 0; i + 1 < x.length; i += 9) x[i + 1] = x[i];
      const nOut = g.n * g.c * g.outH * g.outW;
      const y = new Float32Array(nOut);
      const idx = new Int32Array(nOut);
      await parity(t, 'maxPool2d', [x, g, y, idx], [2, 3], 'exact', label);
      const yRef = new Float32Array(nOut);
      const idxRef = new Int32Array(nOut);
      KERNELS.maxPool2d.reference(x, g, yRef, idxRef);
      const dy = uniform(nOut);
      await parity(t, 'maxPool2dBackward', [dy, idxRef, g, uniform(x.length)], [3], 'exact', label);
      for (const incl of [true, false]) {
        await parity(t, 'avgPool2d', [x, g, incl, new Float32Array(nOut)], [3], { atol: 1e-6, rtol: 1e-5 }, label);
        await parity(t, 'avgPool2dBackward', [dy, g, incl, uniform(x.length)], [3], { atol: 1e-6, rtol: 1e-5 }, label);
      }
    });
  }
  t.test("maxPool2dBackward with adaptive pooling's indices (anywhere in the plane)", async () => {
    const g: Pool2dGeometry = { ...base, n: 2, c: 3, h: 7, w: 9, kh: 1, kw: 1, outH: 3, outW: 4 };
    const idx = new Int32Array(2 * 3 * 12).map(() => int(0, 62));
    await parity(t, 'maxPool2dBackward', [uniform(idx.length), idx, g, uniform(2 * 3 * 63)], [3], 'exact');
    const up: Pool2dGeometry = { ...g, h: 2, w: 3, outH: 5, outW: 6 };
    const idx2 = new Int32Array(2 * 3 * 30).map(() => int(0, 5));
    await parity(t, 'maxPool2dBackward', [uniform(idx2.length), idx2, up, uniform(2 * 3 * 6)], [3], 'exact');
  });

  // ---- reductions, permute, softmax ----------------------------------------------------------
  const views: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [2, 1000, 1],
    [1, 5000, 3],
    [64, 10, 1],
    [1, 3, 4000],
    [5, 0, 2],
  ];
  t.test('reduce: every op on (outer, len, inner) views, long and empty axes', async () => {
    for (const op of ['sum', 'max', 'min', 'prod'] as const)
      for (const [o, l, i] of views) {
        const x = op === 'prod' ? uniform(o * l * i, 0.9, 1.1) : uniform(o * l * i, -2, 3);
        await parity(
          t,
          'reduce',
          [op, x, o, l, i, new Float32Array(o * i)],
          [5],
          { atol: 1e-5, rtol: 1e-5 },
          `${op} ${o}x${l}x${i}`,
        );
      }
    const x = uniform(60);
    x[7] = Number.NaN;
    for (const op of ['max', 'min', 'sum'] as const)
      await parity(
        t,
        'reduce',
        [op, x, 2, 10, 3, new Float32Array(6)],
        [5],
        op === 'sum' ? { atol: 1e-6, rtol: 1e-5 } : 'exact',
        `${op} with NaN`,
      );
  });
  t.test('argReduce: argmax / argmin with ties', async () => {
    for (const op of ['argmax', 'argmin'] as const)
      for (const [o, l, i] of views.filter((v) => v[1] > 0)) {
        const x = uniform(o * l * i).map((v) => Math.round(v * 4) / 4);
        await parity(t, 'argReduce', [op, x, o, l, i, new Int32Array(o * i)], [5], 'exact', `${op} ${o}x${l}x${i}`);
      }
  });
  t.test('permute: 2-D transpose, 4-D NCHW -> NHWC, 5-D, size-1 axes', async () => {
    const cases: [number[], number[]][] = [
      [
        [7, 13],
        [1, 0],
      ],
      [
        [2, 3, 5, 4],
        [0, 2, 3, 1],
      ],
      [
        [2, 1, 3, 4, 2],
        [4, 2, 0, 1, 3],
      ],
      [
        [3, 4],
        [0, 1],
      ],
      [
        [1, 1],
        [1, 0],
      ],
    ];
    for (const [shape, perm] of cases) {
      const n = shape.reduce((p, d) => p * d, 1);
      await parity(
        t,
        'permute',
        [uniform(n), shape, perm, new Float32Array(n)],
        [3],
        'exact',
        `[${shape}] by [${perm}]`,
      );
    }
  });
  t.test('softmax / log-softmax forward and backward, in place', async () => {
    for (const log of [false, true])
      for (const [o, l, i] of views.filter((v) => v[1] > 0)) {
        const n = o * l * i;
        const x = uniform(n, -6, 6);
        await parity(
          t,
          'softmax',
          [x, o, l, i, log, new Float32Array(n)],
          [5],
          { atol: 1e-6, rtol: 1e-4 },
          `${o}x${l}x${i}`,
        );
        const y = new Float32Array(n);
        KERNELS.softmax.reference(x, o, l, i, log, y);
        await parity(
          t,
          'softmaxBackward',
          [y, uniform(n), o, l, i, log, new Float32Array(n)],
          [6],
          { atol: 1e-6, rtol: 1e-4 },
          `${o}x${l}x${i}`,
        );
      }
    const x = uniform(3 * 7 * 2);
    await parity(t, 'softmax', [x, 3, 7, 2, false, x], [0], { atol: 1e-6, rtol: 1e-4 }, 'in place');
  });

  // ---- fused: cross-entropy, batch norm -------------------------------------------------------
  t.test('crossEntropyForward / Backward: weights, ignoreIndex, smoothing, every reduction', async () => {
    const shapes: [number, number, number][] = [
      [7, 10, 1],
      [3, 4, 5],
      [1, 300, 1],
      [2, 2, 700],
    ];
    for (const [n, c, inner] of shapes)
      for (const reduction of [0, 1, 2])
        for (const [weighted, smoothing, ignore] of [
          [false, 0, -100],
          [true, 0.1, 1],
          [false, 0.2, 0],
        ] as const) {
          const z = uniform(n * c * inner, -4, 4);
          const target = new Int32Array(n * inner).map(() => int(0, c - 1));
          target[0] = ignore >= 0 ? ignore : target[0];
          const weight = weighted ? uniform(c, 0.2, 2) : null;
          const label = `${n}x${c}x${inner} reduction ${reduction} weighted ${weighted} smoothing ${smoothing} ignore ${ignore}`;
          const probs = new Float32Array(z.length);
          const loss = new Float32Array(reduction === 0 ? n * inner : 1);
          const tol = { atol: 1e-5, rtol: 1e-4 };
          await parity(
            t,
            'crossEntropyForward',
            [z, target, weight, n, c, inner, ignore, smoothing, reduction, probs, loss],
            [9, 10],
            tol,
            label,
          );
          const pRef = new Float32Array(z.length);
          KERNELS.crossEntropyForward.reference(
            z,
            target,
            weight,
            n,
            c,
            inner,
            ignore,
            smoothing,
            reduction,
            pRef,
            new Float32Array(loss.length),
          );
          const gLoss = uniform(loss.length, 0.5, 2);
          await parity(
            t,
            'crossEntropyBackward',
            [pRef, target, weight, gLoss, n, c, inner, ignore, smoothing, reduction, new Float32Array(z.length)],
            [10],
            tol,
            label,
          );
        }
  });
  t.test('batchNormForward / Backward: training (running stats), evaluation, null affine', async () => {
    for (const [n, c, inner] of [
      [4, 3, 25],
      [1, 5, 1],
      [16, 6, 144],
      [2, 1, 5000],
    ] as const)
      for (const training of [true, false])
        for (const affine of [true, false]) {
          const label = `${n}x${c}x${inner} training ${training} affine ${affine}`;
          const x = uniform(n * c * inner, -1, 3);
          const weight = affine ? uniform(c, 0.5, 1.5) : null;
          const bias = affine ? uniform(c) : null;
          const runMean = uniform(c);
          const runVar = uniform(c, 0.5, 2);
          const tol = { atol: 2e-5, rtol: 1e-4 };
          await parity(
            t,
            'batchNormForward',
            [
              x,
              weight,
              bias,
              runMean,
              runVar,
              n,
              c,
              inner,
              training,
              0.1,
              1e-5,
              new Float32Array(x.length),
              new Float32Array(c),
              new Float32Array(c),
            ],
            [3, 4, 11, 12, 13],
            tol,
            label,
          );
          const sm = new Float32Array(c);
          const sis = new Float32Array(c);
          KERNELS.batchNormForward.reference(
            x,
            weight,
            bias,
            runMean.slice(),
            runVar.slice(),
            n,
            c,
            inner,
            training,
            0.1,
            1e-5,
            new Float32Array(x.length),
            sm,
            sis,
          );
          const dy = uniform(x.length);
          await parity(
            t,
            'batchNormBackward',
            [
              x,
              dy,
              weight,
              sm,
              sis,
              n,
              c,
              inner,
              training,
              new Float32Array(x.length),
              affine ? new Float32Array(c) : null,
              affine ? new Float32Array(c) : null,
            ],
            affine ? [9, 10, 11] : [9],
            { atol: 1e-4, rtol: 1e-4 },
            label,
          );
        }
    const x = uniform(2 * 3 * 4);
    await parity(
      t,
      'batchNormForward',
      [
        x,
        null,
        null,
        null,
        null,
        2,
        3,
        4,
        true,
        0.1,
        1e-5,
        new Float32Array(24),
        new Float32Array(3),
        new Float32Array(3),
      ],
      [11, 12, 13],
      { atol: 2e-5, rtol: 1e-4 },
      'no running stats',
    );
    const dy = uniform(24);
    await parity(
      t,
      'batchNormBackward',
      [x, dy, null, uniform(3), uniform(3, 0.5, 1), 2, 3, 4, true, null, new Float32Array(3), null],
      [10],
      { atol: 1e-4, rtol: 1e-4 },
      'dweight only',
    );
  });

  // ---- optimizers ----------------------------------------------------------------------------
  t.test('sgd / adam / adagrad / rmsprop updates, every variant', async () => {
    const n = 1001;
    const tol = { atol: 1e-6, rtol: 1e-5 };
    for (const [buf, nesterov] of [
      [false, false],
      [true, false],
      [true, true],
    ] as const)
      await parity(
        t,
        'sgdUpdate',
        [uniform(n), uniform(n), buf ? uniform(n) : null, 0.05, 1e-3, -1, 0.9, 0.8, nesterov],
        buf ? [0, 2] : [0],
        tol,
        `sgd buf ${buf} nesterov ${nesterov}`,
      );
    for (const [amsgrad, decoupled, step] of [
      [false, false, 1],
      [true, true, 7],
      [false, true, 1000],
    ] as const)
      await parity(
        t,
        'adamUpdate',
        [
          uniform(n),
          uniform(n),
          uniform(n, -0.1, 0.1),
          uniform(n, 0, 0.01),
          amsgrad ? uniform(n, 0, 0.01) : null,
          1e-3,
          0.9,
          0.999,
          1e-8,
          0.01,
          decoupled,
          step,
        ],
        amsgrad ? [0, 2, 3, 4] : [0, 2, 3],
        tol,
        `adam amsgrad ${amsgrad} decoupled ${decoupled} step ${step}`,
      );
    await parity(
      t,
      'adagradUpdate',
      [uniform(n), uniform(n), uniform(n, 0, 1), 0.01, 1e-4, 1e-10],
      [0, 2],
      tol,
      'adagrad',
    );
    for (const [centered, mom] of [
      [false, false],
      [true, true],
      [true, false],
    ] as const)
      await parity(
        t,
        'rmspropUpdate',
        [
          uniform(n),
          uniform(n),
          uniform(n, 0.5, 1),
          centered ? uniform(n, -0.1, 0.1) : null,
          mom ? uniform(n) : null,
          0.01,
          0.99,
          1e-8,
          1e-4,
          0.9,
        ],
        [0, 2, ...(centered ? [3] : []), ...(mom ? [4] : [])],
        tol,
        `rmsprop centered ${centered} momentum ${mom}`,
      );
  });

  // ---- grids over the per-dimension limit ----------------------------------------------------
  t.test(
    'grids split over x and y (and GEMM tiles chunked) when a device allows few workgroups per dimension',
    async () => {
      const limit = 20;
      const x = uniform(70_001);
      await parity(
        t,
        'unary',
        ['exp', x, new Float32Array(x.length), 0],
        [2],
        { atol: 1e-6, rtol: 1e-5 },
        'limited',
        limit,
      );
      await parity(
        t,
        'reduce',
        ['sum', uniform(3 * 2 * 3000), 3, 2, 3000, new Float32Array(9000)],
        [5],
        { atol: 1e-6, rtol: 1e-5 },
        'limited',
        limit,
      );
      const [m, n, k, batch] = [10, 800, 40, 23];
      await parity(
        t,
        'gemm',
        [
          false,
          true,
          batch,
          m,
          n,
          k,
          1,
          uniform(batch * m * k),
          0,
          m * k,
          uniform(n * k),
          0,
          0,
          0,
          new Float32Array(batch * m * n),
          0,
          m * n,
        ],
        [14],
        { atol: 1e-5, rtol: 1e-4 },
        'limited',
        limit,
      );
      const g = conv({ n: 2, cIn: 3, h: 30, w: 30, cOut: 4, kh: 3, kw: 3, padTop: 1, padLeft: 1 }, 1, 1);
      await parity(
        t,
        'conv2d',
        [uniform(2 * 3 * 900), uniform(4 * 27), uniform(4), g, new Float32Array(2 * 4 * 900)],
        [4],
        { atol: 2e-5, rtol: 1e-4 },
        'limited',
        limit,
      );
    },
  );
}
