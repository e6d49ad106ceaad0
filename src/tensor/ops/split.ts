/** split and chunk: cut a tensor into pieces along an axis (torch.split / torch.chunk). */
import { fmt, normAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { slice } from './shape.js';
import { expectTensor } from './check.js';

/**
 * Splits x along `dim` into pieces of `size` elements (the last one may be smaller), or
 * into pieces of the listed sizes, which must add up to the axis length. Each piece is a
 * differentiable slice.
 */
export function split(x: Tensor, sizeOrSizes: number | readonly number[], dim = 0): Tensor[] {
  expectTensor('split', 'input', x);
  const a = normAxis('split', dim, x.ndim);
  const n = x.shape[a];
  let sizes: number[];
  if (typeof sizeOrSizes === 'number') {
    if (!Number.isInteger(sizeOrSizes) || sizeOrSizes < 1)
      throw new RangeError(`split: size must be a positive integer, got ${sizeOrSizes}`);
    sizes = [];
    for (let s = 0; s < n; s += sizeOrSizes) sizes.push(Math.min(sizeOrSizes, n - s));
    if (n === 0) sizes.push(0);
  } else if (Array.isArray(sizeOrSizes)) {
    sizes = [...sizeOrSizes];
    if (sizes.some((s) => !Number.isInteger(s) || s < 0))
      throw new TypeError(`split: sizes ${fmt(sizes)} must be non-negative integers`);
    const total = sizes.reduce((p, s) => p + s, 0);
    if (total !== n)
      throw new RangeError(
        `split: sizes ${fmt(sizes)} add up to ${total} but axis ${dim} of shape ${fmt(x.shape)} has ${n}`,
      );
  } else {
    throw new TypeError(`split: expected a size or an array of sizes, got ${String(sizeOrSizes)}`);
  }
  const out: Tensor[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(slice(x, a, at, at + s));
    at += s;
  }
  return out;
}

/**
 * Cuts x into `chunks` pieces of ceil(n / chunks) elements along `dim` (the last may be
 * smaller, and there may be fewer pieces than asked, as in torch.chunk).
 */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  expectTensor('chunk', 'input', x);
  if (!Number.isInteger(chunks) || chunks < 1)
    throw new RangeError(`chunk: chunks must be a positive integer, got ${String(chunks)}`);
  const a = normAxis('chunk', dim, x.ndim);
  return split(x, Math.max(1, Math.ceil(x.shape[a] / chunks)), a);
}
