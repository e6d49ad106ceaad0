/**
 * softmax and logSoftmax along one axis, on the softmax / softmaxBackward kernels. Both shift
 * every slice by its max before exponentiating, so logits of any magnitude give finite results.
 */
import { record } from '../../autograd/engine.js';
import { getBackend } from '../../backend/index.js';
import { empty, f32Storage } from '../../tensor/alloc.js';
import { normAxis, sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { expectTensor } from '../../tensor/ops/check.js';

/** (outer, len, inner) view of x around axis `dim`; a scalar is one slice of length 1. */
export function axisLayout(op: string, x: Tensor, dim: number): { outer: number; len: number; inner: number } {
  if (x.ndim === 0) {
    normAxis(op, dim, 1);
    return { outer: 1, len: 1, inner: 1 };
  }
  const a = normAxis(op, dim, x.ndim);
  return { outer: sizeOf(x.shape.slice(0, a)), len: x.shape[a], inner: sizeOf(x.shape.slice(a + 1)) };
}

/** softmax (log = false) or logSoftmax along `dim`: the softmax kernel, its backward recorded. */
function softmaxOp(op: 'softmax' | 'logSoftmax', x: Tensor, dim: number, log: boolean): Tensor {
  expectTensor(op, 'input', x);
  const { outer, len, inner } = axisLayout(op, x, dim);
  const out = empty(x.shape),
    yd = out.storageF32;
  getBackend().softmax(f32Storage(x), outer, len, inner, log, yd);
  return record(out, op, [x], (g) => {
    const gx = empty(x.shape);
    getBackend().softmaxBackward(yd, g.storageF32, outer, len, inner, log, gx.storageF32);
    return [gx];
  });
}

/** exp(x) / sum(exp(x)) along `dim`. */
export function softmax(x: Tensor, dim: number): Tensor {
  return softmaxOp('softmax', x, dim, false);
}

/** log(softmax(x)) along `dim`, computed as x - max - log(sum(exp(x - max))). */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return softmaxOp('logSoftmax', x, dim, true);
}

/** softmax(-x) along `dim`. */
export function softmin(x: Tensor, dim: number): Tensor {
  expectTensor('softmin', 'input', x);
  return softmax(x.neg(), dim);
}
