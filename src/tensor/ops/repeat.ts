/** repeat: tiles a tensor along each axis, like torch.Tensor.repeat (numpy.tile). */
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { remap } from './remap.js';
import { expectTensor } from './check.js';

/**
 * Tiles x `reps[d]` times along each axis. `reps` may be longer than x's rank: x is then
 * treated as having leading size-1 axes, so repeat(tensor([1, 2]), [2, 2]) has shape [2, 4].
 * The gradient sums the copies.
 */
export function repeat(x: Tensor, reps: readonly number[]): Tensor {
  expectTensor('repeat', 'input', x);
  if (!Array.isArray(reps) || reps.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new TypeError(
      `repeat: repeats must be non-negative integers, got ${Array.isArray(reps) ? fmt(reps) : String(reps)}`,
    );
  }
  if (reps.length < x.ndim)
    throw new RangeError(
      `repeat: ${reps.length} repeats ${fmt(reps)} for a tensor of shape ${fmt(x.shape)}; give at least one per axis`,
    );
  const lead = reps.length - x.ndim;
  const src = lead > 0 ? x.reshape([...new Array<number>(lead).fill(1), ...x.shape]) : x;
  const maps = src.shape.map((n, d) => {
    const m = new Int32Array(n * reps[d]);
    for (let i = 0; i < m.length; i++) m[i] = i % n;
    return m;
  });
  return remap('repeat', src, maps);
}
