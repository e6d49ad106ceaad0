/**
 * WGSL expressions of the elementwise op tables in ../../ops.ts: one per unary op (in `v`,
 * `alpha`), per unary derivative (in `v`, `y`, `alpha`) and per binary op (in `a`, `b`). The
 * mapped types make a missing op a compile error, so a new op in ops.ts must be given its WGSL
 * here. Helper functions (`OP_HELPERS`) keep float32 accuracy where a naive formula would not:
 * log1p / expm1 by series near 0, tanh through expm1, sin / cos with their own range reduction
 * (the built-ins are allowed 2^-11 absolute error), Math.pow's sign and special cases.
 */
import type { BinaryOp, UNARY_OPS, UnaryOp } from '../../ops.js';

/** WGSL functions the op expressions call (erf_, sigmoid_, log1p_, expm1_, tanh_, round_, jspow_). */
export const OP_HELPERS = /* wgsl */ `
fn erf_(x: f32) -> f32 {
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let y = 1.0 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return select(y, -y, x < 0.0);
}
fn sigmoid_(v: f32) -> f32 {
  if (v >= 0.0) { return 1.0 / (1.0 + exp(-v)); }
  let e = exp(v);
  return e / (1.0 + e);
}
fn log1p_(x: f32) -> f32 {
  if (abs(x) < 0.1) {
    return x * (1.0 - x * (0.5 - x * (0.33333334 - x * (0.25 - x * (0.2 - x * (0.16666667 - x * 0.14285715))))));
  }
  return log(1.0 + x);
}
fn expm1_(x: f32) -> f32 {
  if (abs(x) < 0.1) {
    return x * (1.0 + x * (0.5 + x * (0.16666667 + x * (0.041666668 + x * (0.008333334 + x * 0.0013888889)))));
  }
  return exp(x) - 1.0;
}
fn tanh_(x: f32) -> f32 {
  let e = expm1_(2.0 * clamp(x, -15.0, 15.0));
  return e / (e + 2.0);
}
fn round_(v: f32) -> f32 {
  let f = floor(v);
  let r = select(f, f + 1.0, v - f >= 0.5);
  // Math.round keeps the sign of a zero result (-0.3 -> -0)
  return bitcast<f32>(bitcast<u32>(r) | (bitcast<u32>(v) & select(0u, 0x80000000u, r == 0.0)));
}
fn sincos_(x: f32, cosine: bool) -> f32 {
  // Cody-Waite reduction by pi/2 (three parts), then Taylor polynomials on |r| <= pi/4
  let j = floor(x * 0.63661977 + 0.5);
  let r = ((x - j * 1.5703125) - j * 4.8375129699707031e-4) - j * 7.5497899548918822e-8;
  let q = (i32(j) + select(0, 1, cosine)) & 3;
  let r2 = r * r;
  var v: f32;
  if ((q & 1) == 0) {
    v = r * (1.0 + r2 * (-0.16666667 + r2 * (0.008333334 + r2 * (-0.0001984127 + r2 * 2.7557319e-6))));
  } else {
    v = 1.0 + r2 * (-0.5 + r2 * (0.041666668 + r2 * (-0.0013888889 + r2 * (2.4801587e-5 - r2 * 2.7557319e-7))));
  }
  return select(v, -v, q >= 2);
}
fn jspow_(a: f32, b: f32) -> f32 {
  if (isnan_(b)) { return nan_(); }
  if (b == 0.0) { return 1.0; }
  if (isnan_(a)) { return nan_(); }
  let ab = abs(a);
  let bInf = abs(b) == inf_();
  if (ab == 1.0 && bInf) { return nan_(); }
  let isInt = !bInf && floor(b) == b;
  let odd = isInt && abs(b) < 16777216.0 && (i32(b) & 1) == 1;
  var r: f32;
  if (ab == 0.0) {
    r = select(inf_(), 0.0, b > 0.0);
  } else if (ab == inf_()) {
    r = select(0.0, inf_(), b > 0.0);
  } else if (bInf) {
    r = select(select(inf_(), 0.0, b > 0.0), select(0.0, inf_(), b > 0.0), ab > 1.0);
  } else if (b == 1.0) {
    r = ab;
  } else if (b == 2.0) {
    r = ab * ab;
  } else if (b == 0.5) {
    r = sqrt(ab);
  } else {
    r = exp2(b * log2(ab));
  }
  if (a < 0.0 && ab != inf_() && !isInt) { return nan_(); }
  if (odd && (bitcast<u32>(a) & 0x80000000u) != 0u) { return -r; }
  return r;
}
`;

/** Every unary op's WGSL (f32, in `v` and `alpha`). */
export const UNARY_WGSL: { readonly [K in UnaryOp]: string } = {
  neg: '-v',
  exp: 'exp(v)',
  log: 'log(v)',
  sqrt: 'sqrt(v)',
  abs: 'abs(v)',
  sign: 'select(select(0.0, -1.0, v < 0.0), 1.0, v > 0.0)',
  square: 'v * v',
  reciprocal: '1.0 / v',
  relu: 'select(0.0, v, v > 0.0)',
  sigmoid: 'sigmoid_(v)',
  tanh: 'tanh_(v)',
  gelu: '0.5 * v * (1.0 + erf_(v * 0.70710678))',
  softplus: 'select(log1p_(exp(v)), v, v > 20.0)',
  leakyRelu: 'select(alpha * v, v, v > 0.0)',
  elu: 'select(alpha * expm1_(v), v, v > 0.0)',
  powScalar: 'jspow_(v, alpha)',
  addScalar: 'v + alpha',
  mulScalar: 'v * alpha',
  sin: 'sincos_(v, false)',
  cos: 'sincos_(v, true)',
  floor: 'floor(v)',
  ceil: 'ceil(v)',
  round: 'round_(v)',
  silu: 'v * sigmoid_(v)',
  selu: 'select(1.7580993 * expm1_(v), 1.050701 * v, v > 0.0)',
};

type WithGrad = { [K in UnaryOp]: (typeof UNARY_OPS)[K] extends { readonly grad: object } ? K : never }[UnaryOp];

/** The derivative of every unary op that declares one (f32, in `v`, `y`, `alpha`). */
export const UNARY_GRAD_WGSL: { readonly [K in WithGrad]: string } = {
  relu: 'select(0.0, 1.0, v > 0.0)',
  sigmoid: 'y * (1.0 - y)',
  tanh: '1.0 - y * y',
  gelu: '0.5 * (1.0 + erf_(v * 0.70710678)) + v * 0.39894228 * exp(-0.5 * v * v)',
  softplus: 'select(sigmoid_(v), 1.0, v > 20.0)',
  leakyRelu: 'select(alpha, 1.0, v > 0.0)',
  elu: 'select(y + alpha, 1.0, v > 0.0)',
  silu: 'silu_grad_(v)',
  selu: 'select(1.7580993 * exp(v), 1.050701, v > 0.0)',
};

/** Extra helper the derivatives use. */
export const GRAD_HELPERS = /* wgsl */ `
fn silu_grad_(v: f32) -> f32 {
  let s = sigmoid_(v);
  return s * (1.0 + v * (1.0 - s));
}
`;

/** Every binary op's WGSL (f32, in `a` and `b`; comparisons give 1 or 0). */
export const BINARY_WGSL: { readonly [K in BinaryOp]: string } = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  pow: 'jspow_(a, b)',
  maximum: 'select(b, a, a > b || isnan_(a))',
  minimum: 'select(b, a, a < b || isnan_(a))',
  eq: 'select(0.0, 1.0, a == b)',
  ne: 'select(0.0, 1.0, a != b)',
  lt: 'select(0.0, 1.0, a < b)',
  le: 'select(0.0, 1.0, a <= b)',
  gt: 'select(0.0, 1.0, a > b)',
  ge: 'select(0.0, 1.0, a >= b)',
};

/** The WGSL of a unary op; throws naming the op when it is not declared. */
export function unaryWgsl(op: UnaryOp): string {
  const e = (UNARY_WGSL as Record<string, string>)[op];
  if (e === undefined)
    throw new Error(
      `webgpu unary: unknown op '${op}' (declare it in src/backend/ops.ts and its WGSL in src/backend/webgpu/kernels/wgsl-ops.ts)`,
    );
  return e;
}

/** The WGSL of a unary op's derivative; throws naming the op when it has none. */
export function unaryGradWgsl(op: UnaryOp): string {
  const e = (UNARY_GRAD_WGSL as Record<string, string>)[op];
  if (e === undefined)
    throw new Error(`unaryBackward: op '${op}' declares no gradient (add 'grad' to it in src/backend/ops.ts)`);
  return e;
}

/** The WGSL of a binary op; throws naming the op when it is not declared. */
export function binaryWgsl(op: BinaryOp): string {
  const e = (BINARY_WGSL as Record<string, string>)[op];
  if (e === undefined)
    throw new Error(
      `webgpu binary: unknown op '${op}' (declare it in src/backend/ops.ts and its WGSL in src/backend/webgpu/kernels/wgsl-ops.ts)`,
    );
  return e;
}
