/**
 * softmax and logSoftmax along one axis. Both shift every slice by its max before
 * exponentiating, so logits of any magnitude give finite results.
 */
import { record } from '../../autograd/engine.js';
import { empty, f32 } from '../../tensor/alloc.js';
import { normAxis, sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { expectTensor } from '../../tensor/ops/check.js';

/** (outer, len, inner) view of x around axis `dim`; a scalar is one slice of length 1. */
export function axisLayout(op: string, x: Tensor, dim: number): { outer: number; len: number; inner: number } {
  if (x.ndim === 0) { normAxis(op, dim, 1); return { outer: 1, len: 1, inner: 1 }; }
  const a = normAxis(op, dim, x.ndim);
  return { outer: sizeOf(x.shape.slice(0, a)), len: x.shape[a], inner: sizeOf(x.shape.slice(a + 1)) };
}

/** Calls fn(start, end) for every slice along the axis: its elements are start, start + inner, ... < end. */
function forEachSlice(outer: number, len: number, inner: number, fn: (start: number, end: number) => void): void {
  for (let o = 0; o < outer; o++) {
    const base = o * len * inner;
    for (let i = 0; i < inner; i++) fn(base + i, base + i + len * inner);
  }
}

/** Writes log-softmax (log = true) or softmax of every slice of xd into yd. */
function softmaxKernel(xd: Float32Array, yd: Float32Array, outer: number, len: number, inner: number, log: boolean): void {
  forEachSlice(outer, len, inner, (start, end) => {
    let m = -Infinity;
    for (let p = start; p < end; p += inner) if (xd[p] > m) m = xd[p];
    let s = 0;
    for (let p = start; p < end; p += inner) { const e = Math.exp(xd[p] - m); s += e; if (!log) yd[p] = e; }
    if (log) {
      const shift = m + Math.log(s);
      for (let p = start; p < end; p += inner) yd[p] = xd[p] - shift;
    } else {
      const inv = 1 / s;
      for (let p = start; p < end; p += inner) yd[p] *= inv;
    }
  });
}

/** exp(x) / sum(exp(x)) along `dim`. */
export function softmax(x: Tensor, dim: number): Tensor {
  expectTensor('softmax', 'input', x);
  const { outer, len, inner } = axisLayout('softmax', x, dim);
  const out = empty(x.shape), yd = out.f32;
  softmaxKernel(f32(x), yd, outer, len, inner, false);
  return record(out, 'softmax', [x], (g) => {
    // dx = y * (g - sum(g * y))
    const gx = empty(x.shape), gd = g.f32, o = gx.f32;
    forEachSlice(outer, len, inner, (start, end) => {
      let dot = 0;
      for (let p = start; p < end; p += inner) dot += gd[p] * yd[p];
      for (let p = start; p < end; p += inner) o[p] = yd[p] * (gd[p] - dot);
    });
    return [gx];
  });
}

/** log(softmax(x)) along `dim`, computed as x - max - log(sum(exp(x - max))). */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  expectTensor('logSoftmax', 'input', x);
  const { outer, len, inner } = axisLayout('logSoftmax', x, dim);
  const out = empty(x.shape), yd = out.f32;
  softmaxKernel(f32(x), yd, outer, len, inner, true);
  return record(out, 'logSoftmax', [x], (g) => {
    // dx = g - softmax(x) * sum(g)
    const gx = empty(x.shape), gd = g.f32, o = gx.f32;
    forEachSlice(outer, len, inner, (start, end) => {
      let s = 0;
      for (let p = start; p < end; p += inner) s += gd[p];
      for (let p = start; p < end; p += inner) o[p] = gd[p] - Math.exp(yd[p]) * s;
    });
    return [gx];
  });
}

/** softmax(-x) along `dim`. */
export function softmin(x: Tensor, dim: number): Tensor {
  expectTensor('softmin', 'input', x);
  return softmax(x.neg(), dim);
}
