/** Reference elementwise kernels: plain loops, one op at a time. */
import type { BinaryOp, UnaryOp } from '../backend.js';


/** Erf by Abramowitz-Stegun 7.1.26 refined; max error ~1.5e-7, enough for float32 GELU. */
export function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/** Scalar version of every unary op, shared by the kernels and by tests. */
export function unaryScalar(op: UnaryOp, v: number, alpha: number): number {
  switch (op) {
    case 'neg': return -v;
    case 'exp': return Math.exp(v);
    case 'log': return Math.log(v);
    case 'sqrt': return Math.sqrt(v);
    case 'abs': return Math.abs(v);
    case 'sign': return v > 0 ? 1 : v < 0 ? -1 : 0;
    case 'square': return v * v;
    case 'reciprocal': return 1 / v;
    case 'relu': return v > 0 ? v : 0;
    case 'sigmoid': return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
    case 'tanh': return Math.tanh(v);
    case 'gelu': return 0.5 * v * (1 + erf(v / Math.SQRT2));
    case 'softplus': return v > 20 ? v : Math.log1p(Math.exp(v));
    case 'leakyRelu': return v > 0 ? v : alpha * v;
    case 'elu': return v > 0 ? v : alpha * Math.expm1(v);
    case 'powScalar': return Math.pow(v, alpha);
    case 'addScalar': return v + alpha;
    case 'mulScalar': return v * alpha;
    case 'sin': return Math.sin(v);
    case 'cos': return Math.cos(v);
    case 'floor': return Math.floor(v);
    case 'ceil': return Math.ceil(v);
    case 'round': return Math.round(v);
  }
}

/** out[i] = op(x[i]). */
export function unary(op: UnaryOp, x: Float32Array, out: Float32Array, alpha: number): void {
  const n = x.length;
  switch (op) {
    case 'relu': for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v > 0 ? v : 0; } return;
    case 'neg': for (let i = 0; i < n; i++) out[i] = -x[i]; return;
    case 'exp': for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]); return;
    case 'addScalar': for (let i = 0; i < n; i++) out[i] = x[i] + alpha; return;
    case 'mulScalar': for (let i = 0; i < n; i++) out[i] = x[i] * alpha; return;
    case 'square': for (let i = 0; i < n; i++) out[i] = x[i] * x[i]; return;
    default: for (let i = 0; i < n; i++) out[i] = unaryScalar(op, x[i], alpha);
  }
}

/** Scalar version of every binary op. */
export function binaryScalar(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case 'add': return a + b;
    case 'sub': return a - b;
    case 'mul': return a * b;
    case 'div': return a / b;
    case 'pow': return Math.pow(a, b);
    case 'maximum': return a > b || Number.isNaN(a) ? a : b;
    case 'minimum': return a < b || Number.isNaN(a) ? a : b;
    case 'eq': return a === b ? 1 : 0;
    case 'ne': return a !== b ? 1 : 0;
    case 'lt': return a < b ? 1 : 0;
    case 'le': return a <= b ? 1 : 0;
    case 'gt': return a > b ? 1 : 0;
    case 'ge': return a >= b ? 1 : 0;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function contiguousLoop(op: BinaryOp, a: Float32Array, b: Float32Array, out: Float32Array): void {
  const n = out.length;
  switch (op) {
    case 'add': for (let i = 0; i < n; i++) out[i] = a[i] + b[i]; return;
    case 'sub': for (let i = 0; i < n; i++) out[i] = a[i] - b[i]; return;
    case 'mul': for (let i = 0; i < n; i++) out[i] = a[i] * b[i]; return;
    case 'div': for (let i = 0; i < n; i++) out[i] = a[i] / b[i]; return;
    default: for (let i = 0; i < n; i++) out[i] = binaryScalar(op, a[i], b[i]);
  }
}

/**
 * out = op(a, b) with broadcasting. aShape and bShape have outShape's rank, with 1 where
 * the operand broadcasts. The innermost loop runs over the last axis with per-operand steps.
 */
export function binary(op: BinaryOp, a: Float32Array, aShape: readonly number[], b: Float32Array,
  bShape: readonly number[], out: Float32Array, outShape: readonly number[]): void {
  if (sameShape(aShape, outShape) && sameShape(bShape, outShape)) { contiguousLoop(op, a, b, out); return; }
  const rank = outShape.length;
  if (rank === 0) { out[0] = binaryScalar(op, a[0], b[0]); return; }
  // strides of a and b in elements, 0 on broadcast axes
  const sa = new Array<number>(rank).fill(0);
  const sb = new Array<number>(rank).fill(0);
  let accA = 1, accB = 1;
  for (let d = rank - 1; d >= 0; d--) {
    sa[d] = aShape[d] === 1 ? 0 : accA; accA *= aShape[d];
    sb[d] = bShape[d] === 1 ? 0 : accB; accB *= bShape[d];
  }
  const inner = outShape[rank - 1];
  const ia = sa[rank - 1], ib = sb[rank - 1];
  const rows = out.length / Math.max(inner, 1);
  const idx = new Array<number>(rank).fill(0);
  let offA = 0, offB = 0, o = 0;
  for (let r = 0; r < rows; r++) {
    let pa = offA, pb = offB;
    if (op === 'add') for (let j = 0; j < inner; j++, pa += ia, pb += ib) out[o++] = a[pa] + b[pb];
    else if (op === 'mul') for (let j = 0; j < inner; j++, pa += ia, pb += ib) out[o++] = a[pa] * b[pb];
    else if (op === 'sub') for (let j = 0; j < inner; j++, pa += ia, pb += ib) out[o++] = a[pa] - b[pb];
    else for (let j = 0; j < inner; j++, pa += ia, pb += ib) out[o++] = binaryScalar(op, a[pa], b[pb]);
    // advance the outer multi-index
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      offA += sa[d]; offB += sb[d];
      if (idx[d] < outShape[d]) break;
      offA -= sa[d] * outShape[d]; offB -= sb[d] * outShape[d];
      idx[d] = 0;
    }
  }
}

/** ReLU's backward from its output: dx = dy where y > 0, else 0. */
export function reluBackward(y: Float32Array, dy: Float32Array, dx: Float32Array): void {
  for (let i = 0; i < y.length; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
}
