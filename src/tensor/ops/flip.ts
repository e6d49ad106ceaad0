/** flip: reverses the order of elements along axes (the "flip" of a true convolution kernel). */
import { fmt, normAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { remap } from './remap.js';
import { expectTensor } from './check.js';

/** Reverses x along the given axes (a copy, like torch.flip); its gradient is flipped back. */
export function flip(x: Tensor, axes: number | readonly number[]): Tensor {
  expectTensor('flip', 'input', x);
  const list = typeof axes === 'number' ? [axes] : axes;
  if (!Array.isArray(list))
    throw new TypeError(`flip: axes must be an integer or an array of integers, got ${String(axes)}`);
  const norm = list.map((a) => normAxis('flip', a, x.ndim));
  if (new Set(norm).size !== norm.length) throw new RangeError(`flip: axes ${fmt(list)} repeat`);
  const maps = x.shape.map((n, d) => {
    const m = new Int32Array(n);
    const rev = norm.includes(d);
    for (let i = 0; i < n; i++) m[i] = rev ? n - 1 - i : i;
    return m;
  });
  return remap('flip', x, maps);
}
