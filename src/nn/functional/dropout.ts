/**
 * Inverted dropout: in training each element (or whole channel, for dropout1d/dropout2d) is
 * zeroed with probability p and the survivors are scaled by 1/(1-p), so evaluation needs no
 * rescaling. Masks come from the seeded global generator (manualSeed makes them reproducible).
 */
import { random } from '../../tensor/random.js';
import { fmt, sizeOf } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { expectTensor } from '../../tensor/ops/check.js';

/** Options of the dropout functions (PyTorch defaults: p = 0.5, training = true). */
export interface DropoutOptions {
  /** Probability of zeroing an element (default 0.5). */
  p?: number;
  /** Only drop in training (default true); false returns the input. */
  training?: boolean;
}

function checkP(op: string, p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new RangeError(`${op}: dropout probability p must be in [0, 1], got ${String(p)}`);
}

/**
 * Multiplies x by a mask drawn once per group of `group` consecutive elements (1 = per
 * element, H*W = per channel). Kept entries are scaled by 1/(1-p); p = 1 gives zeros.
 */
function maskedScale(x: Tensor, p: number, group: number): Tensor {
  const n = x.size,
    groups = group === 0 ? 0 : n / group;
  const scale = p === 1 ? 0 : 1 / (1 - p);
  const mask = new Float32Array(groups);
  for (let k = 0; k < groups; k++) mask[k] = random() < p ? 0 : scale;
  // a composite: x (as groups of `group` elements) times the constant mask
  return x
    .reshape([groups, group])
    .mul(new Tensor(mask, [groups, 1]))
    .reshape([...x.shape]);
}

/** Zeroes each element with probability p and scales the rest by 1/(1-p); identity when !training or p = 0. */
export function dropout(x: Tensor, options: DropoutOptions = {}): Tensor {
  expectTensor('dropout', 'input', x);
  const p = options.p ?? 0.5,
    training = options.training ?? true;
  checkP('dropout', p);
  if (!training || p === 0 || x.size === 0) return x;
  return maskedScale(x, p, 1);
}

/** Channel dropout over the trailing `spatial` axes: input rank must be batchedRank or batchedRank - 1. */
function channelDropout(op: string, x: Tensor, options: DropoutOptions, batchedRank: number, layout: string): Tensor {
  const p = options.p ?? 0.5,
    training = options.training ?? true;
  checkP(op, p);
  if (x.ndim !== batchedRank && x.ndim !== batchedRank - 1) {
    throw new RangeError(
      `${op}: expected a ${batchedRank}-D input ${layout} or a ${batchedRank - 1}-D unbatched one, got ${fmt(x.shape)}`,
    );
  }
  if (!training || p === 0 || x.size === 0) return x;
  // every (n, c) channel is one group of the trailing spatial elements
  const spatial = batchedRank - 2;
  return maskedScale(x, p, sizeOf(x.shape.slice(x.ndim - spatial)));
}

/** Zeroes whole channels of (N, C, L) or (C, L) input with probability p (PyTorch's dropout1d). */
export function dropout1d(x: Tensor, options: DropoutOptions = {}): Tensor {
  expectTensor('dropout1d', 'input', x);
  return channelDropout('dropout1d', x, options, 3, '(N, C, L)');
}

/**
 * Zeroes whole channels (feature maps) of (N, C, H, W) or unbatched (C, H, W) input with
 * probability p. A 3-D input is read as (C, H, W), PyTorch's documented meaning (torch 1.13
 * still drops (N, C, L) channels there with a deprecation warning; use dropout1d for that).
 */
export function dropout2d(x: Tensor, options: DropoutOptions = {}): Tensor {
  expectTensor('dropout2d', 'input', x);
  return channelDropout('dropout2d', x, options, 4, '(N, C, H, W)');
}
