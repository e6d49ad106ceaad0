/**
 * The lectures' signal-processing view of convolution on single-channel signals and images:
 * true convolution (the kernel is flipped: "notice the flip") next to cross-correlation (what
 * conv layers compute). Modes follow numpy / scipy.signal: 'valid' (no padding, the default,
 * as in the lectures' z_i = sum_k w_k x_{i+k}), 'full' (kernel-1 zeros per side) and 'same'
 * (the centre of 'full', as long as the input). All are differentiable.
 */
import { fmt } from '../../tensor/shape.js';
import { reshape } from '../../tensor/ops/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkTensor, show } from './conv-args.js';
import { conv2d } from './conv.js';
import { expectTensor } from '../../tensor/ops/check.js';

/** Output-size modes of convolve / correlate, as in numpy.convolve and scipy.signal. */
export type ConvolveMode = 'valid' | 'same' | 'full';

/** Reverses x along the given axes (differentiable). */
function flip(x: Tensor, axes: readonly number[]): Tensor {
  let y = x;
  for (const a of axes) {
    const n = x.shape[a];
    y = y.indexSelect(
      a,
      Array.from({ length: n }, (_, i) => n - 1 - i),
    );
  }
  return y;
}

function correlateNd(op: string, dims: number, sIn: unknown, kIn: unknown, mode: unknown, flipKernel: boolean): Tensor {
  const signal = checkTensor(op, 'signal', sIn),
    kernel = checkTensor(op, 'kernel', kIn);
  const what = dims === 1 ? '1-D' : '2-D';
  if (signal.ndim !== dims)
    throw new RangeError(
      `${op}: signal must be ${what}, got shape ${fmt(signal.shape)} (use conv${dims}d for batches and channels)`,
    );
  if (kernel.ndim !== dims) throw new RangeError(`${op}: kernel must be ${what}, got shape ${fmt(kernel.shape)}`);
  if (mode !== 'valid' && mode !== 'same' && mode !== 'full')
    throw new TypeError(`${op}: mode must be 'valid', 'same' or 'full', got ${show(mode)}`);
  const n = dims === 2 ? signal.shape : [1, signal.shape[0]];
  const k = dims === 2 ? kernel.shape : [1, kernel.shape[0]];
  if (k.some((v) => v < 1)) throw new RangeError(`${op}: kernel ${fmt(kernel.shape)} is empty`);
  if (mode === 'valid' && (k[0] > n[0] || k[1] > n[1])) {
    throw new RangeError(
      `${op}: kernel ${fmt(kernel.shape)} is larger than the signal ${fmt(signal.shape)} in 'valid' mode`,
    );
  }
  const w = flipKernel ? flip(kernel, dims === 2 ? [0, 1] : [0]) : kernel;
  const pad: [number, number] = mode === 'valid' ? [0, 0] : [k[0] - 1, k[1] - 1];
  let y = conv2d(reshape(signal, [1, 1, n[0], n[1]]), reshape(w, [1, 1, k[0], k[1]]), null, { padding: pad });
  if (mode === 'same') {
    // scipy.signal's centring: the 'full' result from (k-1)//2 on, as long as the input
    y = y.slice(2, Math.floor((k[0] - 1) / 2), Math.floor((k[0] - 1) / 2) + n[0]);
    y = y.slice(3, Math.floor((k[1] - 1) / 2), Math.floor((k[1] - 1) / 2) + n[1]);
  }
  return reshape(y, dims === 2 ? [y.shape[2], y.shape[3]] : [y.shape[3]]);
}

/** True 1-D convolution (f*g)(i) = sum_j g(j) f(i-j): the kernel is flipped. Like numpy.convolve. */
export function convolve1d(signal: Tensor, kernel: Tensor, mode: ConvolveMode = 'valid'): Tensor {
  expectTensor('convolve1d', 'signal', signal);
  expectTensor('convolve1d', 'kernel', kernel);
  return correlateNd('convolve1d', 1, signal, kernel, mode, true);
}

/** True 2-D convolution (f*g)(x,y) = sum_ij f(i,j) I(x-i, y-j) of an (H, W) image. Like scipy.signal.convolve2d. */
export function convolve2d(image: Tensor, kernel: Tensor, mode: ConvolveMode = 'valid'): Tensor {
  expectTensor('convolve2d', 'image', image);
  expectTensor('convolve2d', 'kernel', kernel);
  return correlateNd('convolve2d', 2, image, kernel, mode, true);
}

/** 1-D cross-correlation z_i = sum_k w_k x_{i+k} (no flip): what conv1d computes. Like numpy.correlate. */
export function correlate1d(signal: Tensor, kernel: Tensor, mode: ConvolveMode = 'valid'): Tensor {
  expectTensor('correlate1d', 'signal', signal);
  expectTensor('correlate1d', 'kernel', kernel);
  return correlateNd('correlate1d', 1, signal, kernel, mode, false);
}

/** 2-D cross-correlation h[m,n] = sum_kl g[k,l] f[m+k, n+l] of an (H, W) image: what conv2d computes. */
export function correlate2d(image: Tensor, kernel: Tensor, mode: ConvolveMode = 'valid'): Tensor {
  expectTensor('correlate2d', 'image', image);
  expectTensor('correlate2d', 'kernel', kernel);
  return correlateNd('correlate2d', 2, image, kernel, mode, false);
}
