/**
 * What every loss shares: the `reduction` option and broadcasting of per-element weights.
 * The losses themselves are in loss-classification.ts and loss-regression.ts.
 */
import { getBackend } from '../../backend/index.js';
import { f32, f32Storage } from '../../tensor/alloc.js';
import { hostArray } from '../../backend/webgpu/residency.js';
import { mean, sum } from '../../tensor/ops/reduce.js';
import { fmt, padShape, sameShape, sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';

/** How a loss combines its per-element values: average, total, or none (same shape as input). */
export type Reduction = 'mean' | 'sum' | 'none';

/** Throws unless reduction is one of the allowed names. */
export function checkReduction(
  op: string,
  reduction: string,
  allowed: readonly string[] = ['mean', 'sum', 'none'],
): void {
  if (!allowed.includes(reduction)) {
    throw new TypeError(
      `${op}: reduction must be ${allowed.map((r) => `'${r}'`).join(', ')}, got '${String(reduction)}'`,
    );
  }
}

/** Applies a reduction to a tensor of per-element losses (differentiably). */
export function reduceLoss(op: string, loss: Tensor, reduction: Reduction): Tensor {
  checkReduction(op, reduction);
  if (reduction === 'none') return loss;
  return reduction === 'sum' ? sum(loss) : mean(loss);
}

/**
 * The data of t broadcast to exactly `shape` (t's own storage when shapes already match).
 * Used for per-element loss weights, which are constants.
 */
export function broadcastData(op: string, what: string, t: Tensor, shape: readonly number[]): Float32Array {
  if (sameShape(t.shape, shape)) return f32(t);
  const ok = t.ndim <= shape.length && t.shape.every((d, i) => d === 1 || d === shape[shape.length - t.ndim + i]);
  if (!ok) throw new RangeError(`${op}: ${what} ${fmt(t.shape)} cannot be broadcast to the input shape ${fmt(shape)}`);
  const out = new Float32Array(sizeOf(shape));
  const zero = new Float32Array(1);
  getBackend().binary(
    'add',
    f32Storage(t),
    padShape(t.shape, shape.length),
    zero,
    shape.map(() => 1),
    out,
    shape,
  );
  return hostArray(out);
}
