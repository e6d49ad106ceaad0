/**
 * Normalisation functions, matching torch.nn.functional: batchNorm (per channel over the
 * batch, with running statistics), layerNorm (per sample over the trailing axes),
 * localResponseNorm (AlexNet's "norm" across channels) and normalize (Lp normalisation).
 * batchNorm is a kernel op (batchNormForward / batchNormBackward, statistics in float64); the
 * others are composites of tensor ops differentiated by autograd.
 */
import { record } from '../../autograd/engine.js';
import { getBackend } from '../../backend/index.js';
import { empty, emptyUninit, f32Storage } from '../../tensor/alloc.js';
import { fmt, sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { axisLayout } from './softmax.js';
import { expectTensor } from '../../tensor/ops/check.js';
import { maximum } from '../../tensor/ops/elementwise.js';
import { where } from '../../tensor/ops/where.js';
import { pad } from '../../tensor/ops/shape.js';

/** Options of batchNorm (PyTorch defaults: training = false, momentum = 0.1, eps = 1e-5). */
export interface BatchNormOptions {
  /** Normalise with the batch's statistics and update the running ones (default false: use the running statistics). */
  training?: boolean;
  /** Weight of the batch statistics in the running averages (default 0.1). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

function checkParam(
  op: string,
  what: string,
  t: Tensor | null | undefined,
  shape: readonly number[],
): Float32Array | null {
  if (!t) return null;
  if (t.ndim !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new RangeError(`${op}: ${what} ${fmt(t.shape)} must have shape ${fmt(shape)}`);
  }
  // only ever passed to the batch-norm kernels: no host sync
  return f32Storage(t);
}

/** Records an op whose optional inputs (weight, bias) may be absent; backward returns one grad per slot. */
function recordOptional(
  out: Tensor,
  name: string,
  slots: (Tensor | null | undefined)[],
  backward: (g: Tensor) => (Tensor | null)[],
): Tensor {
  const present = slots.map((t, i) => [t, i] as const).filter(([t]) => t) as [Tensor, number][];
  return record(
    out,
    name,
    present.map(([t]) => t),
    (g) => {
      const all = backward(g);
      return present.map(([, i]) => all[i]);
    },
  );
}

/**
 * Batch normalisation over axis 1 of (N, C), (N, C, L) or (N, C, H, W) input.
 * Training: normalises with the batch mean and biased variance and updates runningMean and
 * runningVar IN PLACE (new = (1 - momentum) old + momentum stat, with the unbiased variance).
 * Evaluation: normalises with the running statistics. Then y = weight * x_hat + bias.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight?: Tensor | null,
  bias?: Tensor | null,
  options: BatchNormOptions = {},
): Tensor {
  const op = 'batchNorm';
  expectTensor(op, 'input', x);
  const training = options.training ?? false,
    momentum = options.momentum ?? 0.1,
    eps = options.eps ?? 1e-5;
  if (x.ndim < 2) throw new RangeError(`${op}: input must be (N, C, ...) with at least 2 axes, got ${fmt(x.shape)}`);
  if (x.dtype !== 'float32') throw new TypeError(`${op}: input must be float32, got ${x.dtype}`);
  if (typeof momentum !== 'number' || !Number.isFinite(momentum))
    throw new TypeError(`${op}: momentum must be a finite number, got ${String(momentum)}`);
  if (typeof eps !== 'number' || !(eps >= 0))
    throw new RangeError(`${op}: eps must be a non-negative number, got ${String(eps)}`);
  const n = x.shape[0],
    c = x.shape[1],
    inner = sizeOf(x.shape.slice(2)),
    count = n * inner;
  const rm = checkParam(op, 'runningMean', runningMean, [c]);
  const rv = checkParam(op, 'runningVar', runningVar, [c]);
  if ((rm === null) !== (rv === null))
    throw new TypeError(`${op}: runningMean and runningVar must both be given or both be null`);
  const gamma = checkParam(op, 'weight', weight, [c]);
  const betaP = checkParam(op, 'bias', bias, [c]);
  if (!training && (!rm || !rv))
    throw new TypeError(`${op}: runningMean and runningVar are required in evaluation mode (training = false)`);
  if (training && count <= 1)
    throw new RangeError(`${op}: expected more than 1 value per channel when training, got input ${fmt(x.shape)}`);

  const saveMean = new Float32Array(c),
    saveInvStd = new Float32Array(c);
  const out = empty(x.shape);
  getBackend().batchNormForward(
    x.storageF32,
    gamma,
    betaP,
    rm,
    rv,
    n,
    c,
    inner,
    training,
    momentum,
    eps,
    out.storageF32,
    saveMean,
    saveInvStd,
  );
  return recordOptional(out, op, [x, weight, bias], (g) => {
    const gx = x.requiresGrad ? emptyUninit(x.shape) : null;
    const gw = weight && weight.requiresGrad ? empty([c]) : null;
    const gb = bias && bias.requiresGrad ? empty([c]) : null;
    getBackend().batchNormBackward(
      x.storageF32,
      g.storageF32,
      gamma,
      saveMean,
      saveInvStd,
      n,
      c,
      inner,
      training,
      gx ? gx.storageF32 : null,
      gw ? gw.storageF32 : null,
      gb ? gb.storageF32 : null,
    );
    return [gx, gw, gb];
  });
}

/** Options of `layerNorm`. */
export interface LayerNormOptions {
  /** Added to the variance. Default 1e-5. */
  eps?: number;
}

/**
 * Layer normalisation over the trailing axes given by normalizedShape:
 * y = (x - mean) / sqrt(var + eps) * weight + bias, biased variance, per leading index.
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  options: LayerNormOptions = {},
): Tensor {
  expectTensor('layerNorm', 'input', x);
  const op = 'layerNorm';
  if (typeof options !== 'object' || options === null)
    throw new TypeError(
      `${op}: options must be an object like { eps }, got ${String(options)} (eps is no longer positional; see CHANGELOG.md)`,
    );
  for (const key of Object.keys(options))
    if (key !== 'eps') throw new TypeError(`${op}: unknown option '${key}' (known: eps)`);
  const eps = options.eps ?? 1e-5;
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  const k = ns.length;
  if (k === 0 || k > x.ndim || ns.some((d, i) => d !== x.shape[x.ndim - k + i])) {
    throw new RangeError(`${op}: normalizedShape ${fmt(ns)} must match the trailing axes of input ${fmt(x.shape)}`);
  }
  if (x.dtype !== 'float32') throw new TypeError(`${op}: input must be float32, got ${x.dtype}`);
  if (typeof eps !== 'number' || !(eps >= 0))
    throw new RangeError(`${op}: eps must be a non-negative number, got ${String(eps)}`);
  checkParam(op, 'weight', weight, ns);
  checkParam(op, 'bias', bias, ns);
  // a composite: per row of (rows, d), (x - mean) / sqrt(biased var + eps) * weight + bias
  const d = sizeOf(ns),
    rows = d === 0 ? 0 : x.size / d;
  const xr = x.reshape([rows, d]);
  const xc = xr.sub(xr.mean(1).reshape([rows, 1]));
  let y = xc.div(xc.square().mean(1).reshape([rows, 1]).add(eps).sqrt());
  if (weight) y = y.mul(weight.reshape([1, d]));
  if (bias) y = y.add(bias.reshape([1, d]));
  return y.reshape([...x.shape]);
}

/** Options of localResponseNorm (PyTorch defaults alpha = 1e-4, beta = 0.75, k = 1). */
export interface LocalResponseNormOptions {
  /** Scale of the sum of squares over the window (default 1e-4). */
  alpha?: number;
  /** Exponent of the normaliser (default 0.75). */
  beta?: number;
  /** Additive constant (default 1). */
  k?: number;
}

/**
 * Local response normalisation across channels (axis 1) of (N, C, ...) input, PyTorch's
 * formula: y_c = x_c / (k + alpha / size * sum of x_c'^2 over c' in [c - size/2, c + (size-1)/2])^beta,
 * the window clipped at the channel edges but always divided by `size`.
 */
export function localResponseNorm(x: Tensor, size: number, options: LocalResponseNormOptions = {}): Tensor {
  expectTensor('localResponseNorm', 'input', x);
  const op = 'localResponseNorm';
  const alpha = options.alpha ?? 1e-4,
    beta = options.beta ?? 0.75,
    kk = options.k ?? 1;
  if (x.ndim < 3) throw new RangeError(`${op}: input must be (N, C, ...) with at least 3 axes, got ${fmt(x.shape)}`);
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`${op}: size must be a positive integer, got ${String(size)}`);
  for (const [name, v] of [
    ['alpha', alpha],
    ['beta', beta],
    ['k', kk],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new TypeError(`${op}: ${name} must be a finite number, got ${String(v)}`);
  }
  const n = x.shape[0],
    c = x.shape[1],
    inner = sizeOf(x.shape.slice(2));
  const lo = Math.floor(size / 2),
    hi = Math.floor((size - 1) / 2);
  // a composite, as PyTorch builds it: window sums of x^2 over the zero-padded channel axis
  const x3 = x.reshape([n, c, inner]);
  const padded = pad(x3.square(), [0, 0, lo, hi]);
  let window = padded.slice(1, 0, c);
  for (let d = 1; d < size; d++) window = window.add(padded.slice(1, d, d + c));
  const den = window.mul(alpha / size).add(kk);
  return x3.mul(den.pow(-beta)).reshape([...x.shape]);
}

/** Options of normalize (PyTorch defaults p = 2, dim = 1, eps = 1e-12). */
export interface NormalizeOptions {
  /** Order of the norm (default 2). */
  p?: number;
  /** The dim normalised over (default 1). */
  dim?: number;
  /** Lower bound of the norm, against division by zero (default 1e-12). */
  eps?: number;
}

/** x / max(||x||_p, eps) along `dim`. */
export function normalize(x: Tensor, options: NormalizeOptions = {}): Tensor {
  expectTensor('normalize', 'input', x);
  const op = 'normalize';
  const p = options.p ?? 2,
    dim = options.dim ?? 1,
    eps = options.eps ?? 1e-12;
  if (typeof p !== 'number' || !(p > 0)) throw new RangeError(`${op}: p must be a positive number, got ${String(p)}`);
  const { outer, len, inner } = axisLayout(op, x, dim);
  // a composite over the (outer, len, inner) view: x / max(||x||_p, eps). The root reads 1 where
  // the sum is 0 (its result is replaced by 0), so an all-zero slice gets gradient g / eps, not NaN.
  const view = x.reshape([outer, len, inner]);
  const sum = (p === 2 ? view.square() : view.abs().pow(p)).sum(1).reshape([outer, 1, inner]);
  const positive = sum.gt(0),
    safe = where(positive, sum, 1);
  const norm = where(positive, p === 2 ? safe.sqrt() : safe.pow(1 / p), 0);
  return view.div(maximum(norm, eps)).reshape([...x.shape]);
}
