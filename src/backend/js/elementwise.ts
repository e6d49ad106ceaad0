/** Reference elementwise kernels: plain loops, one op at a time (ops declared in ../ops.ts). */
import { binarySpec, unarySpec, type BinaryOp, type UnaryOp } from '../ops.js';

export { erf } from '../ops.js';

/** Scalar version of every unary op, shared by the kernels and by tests; throws on an unknown op. */
export function unaryScalar(op: UnaryOp, v: number, alpha: number): number {
  return unarySpec(op).ref(v, alpha);
}

/** out[i] = op(x[i]). */
export function unary(op: UnaryOp, x: Float32Array, out: Float32Array, alpha: number): void {
  const n = x.length;
  switch (op) {
    case 'relu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v > 0 ? v : 0;
      }
      return;
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -x[i];
      return;
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      return;
    case 'addScalar':
      for (let i = 0; i < n; i++) out[i] = x[i] + alpha;
      return;
    case 'mulScalar':
      for (let i = 0; i < n; i++) out[i] = x[i] * alpha;
      return;
    case 'square':
      for (let i = 0; i < n; i++) out[i] = x[i] * x[i];
      return;
    default: {
      const f = unarySpec(op).ref;
      for (let i = 0; i < n; i++) out[i] = f(x[i], alpha);
    }
  }
}

/** dx[i] = dy[i] * op'(x[i]) (the derivative declared in ../ops.ts, given input x and output y). */
export function unaryBackward(
  op: UnaryOp,
  x: Float32Array,
  y: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  alpha: number,
): void {
  const g = unarySpec(op).grad;
  if (!g) throw new Error(`unaryBackward: op '${op}' declares no gradient (add 'grad' to it in src/backend/ops.ts)`);
  const f = g.ref,
    n = dx.length;
  for (let i = 0; i < n; i++) dx[i] = dy[i] * f(x[i], y[i], alpha);
}

/** Scalar version of every binary op; throws on an unknown op. */
export function binaryScalar(op: BinaryOp, a: number, b: number): number {
  return binarySpec(op).ref(a, b);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function contiguousLoop(op: BinaryOp, a: Float32Array, b: Float32Array, out: Float32Array): void {
  const n = out.length;
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
      return;
    case 'sub':
      for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
      return;
    case 'mul':
      for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
      return;
    case 'div':
      for (let i = 0; i < n; i++) out[i] = a[i] / b[i];
      return;
    default: {
      const f = binarySpec(op).ref;
      for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
    }
  }
}

/**
 * out = op(a, b) with broadcasting. aShape and bShape have outShape's rank, with 1 where
 * the operand broadcasts. The innermost loop runs over the last axis with per-operand steps.
 */
export function binary(
  op: BinaryOp,
  a: Float32Array,
  aShape: readonly number[],
  b: Float32Array,
  bShape: readonly number[],
  out: Float32Array,
  outShape: readonly number[],
): void {
  if (sameShape(aShape, outShape) && sameShape(bShape, outShape)) {
    contiguousLoop(op, a, b, out);
    return;
  }
  const rank = outShape.length;
  const f = binarySpec(op).ref; // (also rejects an unknown op before any work)
  if (rank === 0) {
    out[0] = f(a[0], b[0]);
    return;
  }
  // strides of a and b in elements, 0 on broadcast axes
  const sa = new Array<number>(rank).fill(0);
  const sb = new Array<number>(rank).fill(0);
  let accA = 1,
    accB = 1;
  for (let d = rank - 1; d >= 0; d--) {
    sa[d] = aShape[d] === 1 ? 0 : accA;
    accA *= aShape[d];
    sb[d] = bShape[d] === 1 ? 0 : accB;
    accB *= bShape[d];
  }
  const inner = outShape[rank - 1];
  const ia = sa[rank - 1],
    ib = sb[rank - 1];
  const rows = out.length / Math.max(inner, 1);
  const idx = new Array<number>(rank).fill(0);
  let offA = 0,
    offB = 0,
    o = 0;
  for (let r = 0; r < rows; r++) {
    let pa = offA,
      pb = offB;
    if (op === 'add') for (let j = 0; j < inner; j++, pa += ia, pb += ib) out[o++] = a[pa] + b[pb];
    else if (op === 'mul') for (let j = 0; j < inner; j++, pa += ia, pb += ib) out[o++] = a[pa] * b[pb];
    else if (op === 'sub') for (let j = 0; j < inner; j++, pa += ia, pb += ib) out[o++] = a[pa] - b[pb];
    else for (let j = 0; j < inner; j++, pa += ia, pb += ib) out[o++] = f(a[pa], b[pb]);
    // advance the outer multi-index
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      offA += sa[d];
      offB += sb[d];
      if (idx[d] < outShape[d]) break;
      offA -= sa[d] * outShape[d];
      offB -= sb[d] * outShape[d];
      idx[d] = 0;
    }
  }
}

/** ReLU's backward from its output: dx = dy where y > 0, else 0. */
export function reluBackward(y: Float32Array, dy: Float32Array, dx: Float32Array): void {
  for (let i = 0; i < y.length; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
}
