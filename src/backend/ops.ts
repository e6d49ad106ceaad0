/**
 * The elementwise and reduction op tables: every unary, binary and reduce op declared once,
 * with its plain-TypeScript reference (one float at a time) and the C++ / AssemblyScript
 * expressions that scripts/gen-kernels.mjs turns into the native and wasm switch statements.
 * Op codes are positions in these tables: they exist only in generated code, never by hand.
 *
 * Adding an elementwise op = one entry here (+ the op layer that calls it). Expressions:
 * - `cpp`: C++ float expression in `v` (and `alpha`); helpers: jsPow, sigmoidf (native/src/elementwise_impl.h).
 *   Write a libm call once (`[&] { float e = expf(v); ... }()`): the compiler does not merge two.
 * - `as`: AssemblyScript f32 expression in `v: f32`, `alpha: f32`; helpers: erf, sigmoidf, siluGradf
 *   (wasm/assembly/math.ts).
 * - `simd` (optional): AssemblyScript f32x4 expression in `v: v128`, `va: v128` (alpha in
 *   every lane); helpers: expv. An op with `simd` runs 4 lanes at a time in wasm.
 * - `grad` (optional): its derivative, for the unaryBackward kernel (see UnaryGradSpec).
 */

/**
 * The derivative of a unary op, d op(x) / dx, as a function of the input `v`, the output `y`
 * and `alpha` (the `unaryBackward` kernel: dx = dy * grad). Expressions as for the op, with `y`
 * (float / f32) in scope; helpers: sigmoidf (C++ and wasm), erf (wasm).
 */
export interface UnaryGradSpec {
  readonly ref: (v: number, y: number, alpha: number) => number;
  readonly cpp: string;
  readonly as: string;
}

/** One unary op. */
export interface UnaryOpSpec {
  /** Reference: the op on one number; `alpha` is the op's parameter where it has one. */
  readonly ref: (v: number, alpha: number) => number;
  readonly cpp: string;
  readonly as: string;
  readonly simd?: string;
  /**
   * The reference gives bit-identical float32 results to every backend (IEEE-exact ops), so
   * a backend may run the reference on small inputs without results depending on size.
   */
  readonly exact?: boolean;
  /** Memory-bound (a few instructions per element): native threads it only on large inputs. */
  readonly cheap?: boolean;
  /** Its derivative, where the op layer differentiates it with the unaryBackward kernel. */
  readonly grad?: UnaryGradSpec;
}

/** Erf by Abramowitz-Stegun 7.1.26 refined; max error ~1.5e-7, enough for float32 GELU. */
export function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const sigmoidRef = (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

/** SELU's constants (Klambauer et al. 2017; the values PyTorch uses). */
export const SELU_ALPHA = 1.6732632423543772;
export const SELU_SCALE = 1.0507009873554805;

/** Every unary op (the order gives the generated op codes; append new ops anywhere). */
export const UNARY_OPS = {
  neg: { ref: (v) => -v, cpp: '-v', as: '-v', simd: 'f32x4.neg(v)', exact: true, cheap: true },
  exp: { ref: (v) => Math.exp(v), cpp: 'expf(v)', as: 'Mathf.exp(v)', simd: 'expv(v)' },
  log: { ref: (v) => Math.log(v), cpp: 'logf(v)', as: 'Mathf.log(v)' },
  sqrt: { ref: (v) => Math.sqrt(v), cpp: 'sqrtf(v)', as: 'Mathf.sqrt(v)', simd: 'f32x4.sqrt(v)', exact: true },
  abs: { ref: (v) => Math.abs(v), cpp: 'fabsf(v)', as: 'Mathf.abs(v)', simd: 'f32x4.abs(v)', exact: true, cheap: true },
  sign: {
    ref: (v) => (v > 0 ? 1 : v < 0 ? -1 : 0),
    cpp: 'v > 0 ? 1.f : v < 0 ? -1.f : 0.f',
    as: '<f32>(v > 0 ? 1 : v < 0 ? -1 : 0)',
    exact: true,
    cheap: true,
  },
  square: { ref: (v) => v * v, cpp: 'v * v', as: 'v * v', simd: 'f32x4.mul(v, v)', exact: true, cheap: true },
  reciprocal: { ref: (v) => 1 / v, cpp: '1.f / v', as: '<f32>1 / v', exact: true },
  relu: {
    ref: (v) => (v > 0 ? v : 0),
    cpp: 'v > 0 ? v : 0.f',
    as: 'v > 0 ? v : <f32>0',
    simd: 'f32x4.pmax(f32x4.splat(0), v)',
    exact: true,
    cheap: true,
    grad: { ref: (v) => (v > 0 ? 1 : 0), cpp: 'v > 0 ? 1.f : 0.f', as: '<f32>(v > 0 ? 1 : 0)' },
  },
  sigmoid: {
    ref: sigmoidRef,
    cpp: 'sigmoidf(v)',
    as: 'sigmoidf(v)',
    simd: 'f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expv(f32x4.neg(v))))',
    grad: { ref: (_v, y) => y * (1 - y), cpp: 'y * (1.f - y)', as: 'y * (1 - y)' },
  },
  tanh: {
    ref: (v) => Math.tanh(v),
    cpp: 'tanhf(v)',
    as: 'Mathf.tanh(v)',
    grad: { ref: (_v, y) => 1 - y * y, cpp: '1.f - y * y', as: '1 - y * y' },
  },
  gelu: {
    ref: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
    cpp: '0.5f * v * (1.f + erff(v * 0.70710678118654752f))',
    as: '<f32>(0.5 * <f64>v * (1 + erf(<f64>v / Math.SQRT2)))',
    // Phi(x) + x phi(x)
    grad: {
      ref: (v) => 0.5 * (1 + erf(v / Math.SQRT2)) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v),
      cpp: '(float)(0.5 * (1.0 + erf((double)v * 0.70710678118654752)) + (double)v * 0.3989422804014327 * exp(-0.5 * (double)v * v))',
      as: '<f32>(0.5 * (1 + erf(<f64>v / Math.SQRT2)) + <f64>v * 0.3989422804014327 * Math.exp(-0.5 * <f64>v * <f64>v))',
    },
  },
  softplus: {
    ref: (v) => (v > 20 ? v : Math.log1p(Math.exp(v))),
    cpp: 'v > 20 ? v : log1pf(expf(v))',
    as: 'v > 20 ? v : <f32>Math.log1p(Math.exp(<f64>v))',
    grad: {
      ref: (v) => (v > 20 ? 1 : sigmoidRef(v)),
      cpp: 'v > 20 ? 1.f : sigmoidf(v)',
      as: 'v > 20 ? <f32>1 : sigmoidf(v)',
    },
  },
  /** alpha = negative slope. */
  leakyRelu: {
    ref: (v, a) => (v > 0 ? v : a * v),
    cpp: 'v > 0 ? v : alpha * v',
    as: 'v > 0 ? v : alpha * v',
    cheap: true,
    grad: { ref: (v, _y, a) => (v > 0 ? 1 : a), cpp: 'v > 0 ? 1.f : alpha', as: 'v > 0 ? <f32>1 : alpha' },
  },
  /** alpha = ELU's alpha. */
  elu: {
    ref: (v, a) => (v > 0 ? v : a * Math.expm1(v)),
    cpp: 'v > 0 ? v : alpha * expm1f(v)',
    as: 'v > 0 ? v : <f32>(<f64>alpha * Math.expm1(<f64>v))',
    grad: { ref: (v, y, a) => (v > 0 ? 1 : y + a), cpp: 'v > 0 ? 1.f : y + alpha', as: 'v > 0 ? <f32>1 : y + alpha' },
  },
  /** alpha = exponent. */
  powScalar: { ref: (v, a) => Math.pow(v, a), cpp: 'jsPow(v, alpha)', as: '<f32>Math.pow(<f64>v, <f64>alpha)' },
  /** alpha = the scalar. */
  addScalar: { ref: (v, a) => v + a, cpp: 'v + alpha', as: 'v + alpha', simd: 'f32x4.add(v, va)', cheap: true },
  /** alpha = the scalar. */
  mulScalar: { ref: (v, a) => v * a, cpp: 'v * alpha', as: 'v * alpha', simd: 'f32x4.mul(v, va)', cheap: true },
  sin: { ref: (v) => Math.sin(v), cpp: 'sinf(v)', as: '<f32>Math.sin(<f64>v)' },
  cos: { ref: (v) => Math.cos(v), cpp: 'cosf(v)', as: '<f32>Math.cos(<f64>v)' },
  floor: { ref: (v) => Math.floor(v), cpp: 'floorf(v)', as: 'Mathf.floor(v)', simd: 'f32x4.floor(v)', exact: true },
  ceil: { ref: (v) => Math.ceil(v), cpp: 'ceilf(v)', as: 'Mathf.ceil(v)', simd: 'f32x4.ceil(v)', exact: true },
  /** Math.round: halves go up. */
  round: {
    ref: (v) => Math.round(v),
    cpp: '(float)floor((double)v + 0.5)',
    as: '<f32>Math.round(<f64>v)',
    exact: true,
  },
  /** x * sigmoid(x) (SiLU, swish). */
  silu: {
    ref: (v) => v * sigmoidRef(v),
    cpp: 'v * sigmoidf(v)',
    as: 'v * sigmoidf(v)',
    simd: 'f32x4.div(v, f32x4.add(f32x4.splat(1), expv(f32x4.neg(v))))',
    // s (1 + x (1 - s)), s = sigmoid(x)
    grad: {
      ref: (v) => {
        const s = sigmoidRef(v);
        return s * (1 + v * (1 - s));
      },
      // (an immediately invoked lambda: libm calls are not merged, so compute s once)
      cpp: '[&] { float s = sigmoidf(v); return s * (1.f + v * (1.f - s)); }()',
      as: 'siluGradf(v)',
    },
  },
  /** SELU: scale * (x > 0 ? x : alpha * (e^x - 1)) with PyTorch's fixed alpha and scale. */
  selu: {
    ref: (v) => (v > 0 ? SELU_SCALE * v : SELU_SCALE * SELU_ALPHA * Math.expm1(v)),
    cpp: 'v > 0 ? 1.0507009873554805f * v : (float)(1.7580993408473766 * expm1((double)v))',
    as: 'v > 0 ? <f32>1.0507009873554805 * v : <f32>(1.7580993408473766 * Math.expm1(<f64>v))',
    grad: {
      ref: (v) => (v > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * Math.exp(v)),
      cpp: 'v > 0 ? 1.0507009873554805f : (float)(1.7580993408473766 * exp((double)v))',
      as: 'v > 0 ? <f32>1.0507009873554805 : <f32>(1.7580993408473766 * Math.exp(<f64>v))',
    },
  },
} as const satisfies Record<string, UnaryOpSpec>;

/** Unary elementwise operations. `alpha` is the op's parameter where it has one. */
export type UnaryOp = keyof typeof UNARY_OPS;

/** One binary op (a, b are the operands; `cpp`/`as`/`simd` as for unary ops, in `a` and `b`). */
export interface BinaryOpSpec {
  readonly ref: (a: number, b: number) => number;
  readonly cpp: string;
  readonly as: string;
  readonly simd?: string;
  /** As UnaryOpSpec.exact. */
  readonly exact?: boolean;
}

/** Every binary op (broadcasting, NumPy/PyTorch rules). Comparisons give 1 or 0. */
export const BINARY_OPS = {
  add: { ref: (a, b) => a + b, cpp: 'a + b', as: 'a + b', simd: 'f32x4.add(a, b)', exact: true },
  sub: { ref: (a, b) => a - b, cpp: 'a - b', as: 'a - b', simd: 'f32x4.sub(a, b)', exact: true },
  mul: { ref: (a, b) => a * b, cpp: 'a * b', as: 'a * b', simd: 'f32x4.mul(a, b)', exact: true },
  div: { ref: (a, b) => a / b, cpp: 'a / b', as: 'a / b', simd: 'f32x4.div(a, b)', exact: true },
  pow: { ref: (a, b) => Math.pow(a, b), cpp: 'jsPow(a, b)', as: '<f32>Math.pow(<f64>a, <f64>b)' },
  /** a when a > b or a is NaN, else b. */
  maximum: {
    ref: (a, b) => (a > b || Number.isNaN(a) ? a : b),
    cpp: 'a > b || a != a ? a : b',
    as: 'a > b || isNaN<f32>(a) ? a : b',
    simd: 'v128.bitselect(a, b, v128.or(f32x4.gt(a, b), f32x4.ne(a, a)))',
    exact: true,
  },
  /** a when a < b or a is NaN, else b. */
  minimum: {
    ref: (a, b) => (a < b || Number.isNaN(a) ? a : b),
    cpp: 'a < b || a != a ? a : b',
    as: 'a < b || isNaN<f32>(a) ? a : b',
    simd: 'v128.bitselect(a, b, v128.or(f32x4.lt(a, b), f32x4.ne(a, a)))',
    exact: true,
  },
  eq: { ref: (a, b) => (a === b ? 1 : 0), cpp: 'a == b ? 1.f : 0.f', as: '<f32>(a == b ? 1 : 0)', exact: true },
  ne: { ref: (a, b) => (a !== b ? 1 : 0), cpp: 'a != b ? 1.f : 0.f', as: '<f32>(a != b ? 1 : 0)', exact: true },
  lt: { ref: (a, b) => (a < b ? 1 : 0), cpp: 'a < b ? 1.f : 0.f', as: '<f32>(a < b ? 1 : 0)', exact: true },
  le: { ref: (a, b) => (a <= b ? 1 : 0), cpp: 'a <= b ? 1.f : 0.f', as: '<f32>(a <= b ? 1 : 0)', exact: true },
  gt: { ref: (a, b) => (a > b ? 1 : 0), cpp: 'a > b ? 1.f : 0.f', as: '<f32>(a > b ? 1 : 0)', exact: true },
  ge: { ref: (a, b) => (a >= b ? 1 : 0), cpp: 'a >= b ? 1.f : 0.f', as: '<f32>(a >= b ? 1 : 0)', exact: true },
} as const satisfies Record<string, BinaryOpSpec>;

/** Binary elementwise operations with NumPy/PyTorch broadcasting. */
export type BinaryOp = keyof typeof BINARY_OPS;

/** Reductions over the middle axis of an (outer, axis, inner) view: the value an empty axis gives. */
export const REDUCE_OPS = {
  sum: { identity: 0 },
  max: { identity: -Infinity },
  min: { identity: Infinity },
  prod: { identity: 1 },
} as const satisfies Record<string, { identity: number }>;

/** Reductions over the middle axis of an (outer, axis, inner) view. */
export type ReduceOp = keyof typeof REDUCE_OPS;

/** Arg-reductions (index of the first max or min). */
export const ARG_REDUCE_OPS = { argmin: {}, argmax: {} } as const;
export type ArgReduceOp = keyof typeof ARG_REDUCE_OPS;

function lookup<T>(table: Record<string, T>, kind: string): (op: string) => T {
  const m = new Map<string, T>(Object.entries(table));
  const known = [...m.keys()].join(', ');
  return (op) => {
    const s = m.get(op);
    if (s === undefined)
      throw new Error(`${kind}: unknown op '${op}' (known: ${known}); declare it in src/backend/ops.ts`);
    return s;
  };
}

/** The spec of a unary op; throws naming the op if it is not declared. */
export const unarySpec: (op: string) => UnaryOpSpec = lookup<UnaryOpSpec>(UNARY_OPS, 'unary');
/** The spec of a binary op; throws naming the op if it is not declared. */
export const binarySpec: (op: string) => BinaryOpSpec = lookup<BinaryOpSpec>(BINARY_OPS, 'binary');
/** The spec of a reduce op; throws naming the op if it is not declared. */
export const reduceSpec: (op: string) => { identity: number } = lookup<{ identity: number }>(REDUCE_OPS, 'reduce');

/** Op name -> code (its position in the table), as the generated native/wasm code numbers them. */
export function opCodes<T extends string>(table: Record<T, unknown>): Readonly<Record<T, number>> {
  const r = Object.create(null) as Record<T, number>;
  (Object.keys(table) as T[]).forEach((k, i) => {
    r[k] = i;
  });
  return r;
}
