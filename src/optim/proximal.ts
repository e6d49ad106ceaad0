/**
 * L1 that makes exact zeros: the proximal (soft-threshold) operators of L1 and elastic net
 * (ISTA / proximal gradient, Beck & Teboulle 2009), the optimizers' `l1` option's kernels, and
 * `sparsity` to count the zeros. A gradient step on lambda*|w| (the subgradient lambda*sign(w))
 * makes weights oscillate around 0 and never land on it; the proximal step after the gradient
 * step, w <- sign(w) * max(|w| - lr*lambda, 0), sets every weight whose magnitude is below
 * lr*lambda to exactly 0.
 */
import { noGrad } from '../autograd/engine.js';
import { Tensor } from '../tensor/tensor.js';

/** How an optimizer applies its `l1` penalty. */
export type L1Mode = 'proximal' | 'subgradient';

function checkThreshold(op: string, what: string, v: number): void {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))
    throw new RangeError(`${op}: ${what} must be a finite number >= 0, got ${String(v)} (pass lr * lambda)`);
}

function eachParam(op: string, params: Iterable<Tensor> | Tensor, fn: (data: Float32Array) => void): void {
  const list = params instanceof Tensor ? [params] : params;
  noGrad(() => {
    for (const p of list) {
      if (!(p instanceof Tensor)) throw new TypeError(`${op}: params must be Tensors, got ${typeof p}`);
      if (p.dtype !== 'float32') throw new TypeError(`${op}: a parameter is ${p.dtype}; only float32 is supported`);
      fn(p.f32);
    }
  });
}

/** Soft-thresholds one buffer in place by a uniform threshold t: w <- sign(w) max(|w| - t, 0) / scale. */
export function softThresholdArray_(w: Float32Array, t: number, scale = 1): void {
  const inv = 1 / scale;
  for (let i = 0; i < w.length; i++) {
    const v = w[i];
    w[i] = v > t ? (v - t) * inv : v < -t ? (v + t) * inv : 0;
  }
}

/** Soft-thresholds one buffer in place with a per-coordinate threshold lr*lambda / denom[i] (preconditioned prox). */
export function softThresholdScaledArray_(w: Float32Array, lrLambda: number, denom: (i: number) => number): void {
  for (let i = 0; i < w.length; i++) {
    const t = lrLambda / denom(i);
    const v = w[i];
    w[i] = v > t ? v - t : v < -t ? v + t : 0;
  }
}

function countZeros(op: string, params: Iterable<Tensor> | Tensor): number {
  let zeros = 0;
  eachParam(op, params, (w) => {
    for (let i = 0; i < w.length; i++) if (w[i] === 0) zeros++;
  });
  return zeros;
}

/**
 * The proximal operator of threshold * ||w||_1, in place (soft thresholding):
 * w <- sign(w) * max(|w| - threshold, 0). Call it after each plain optimizer step with
 * threshold = lr * lambda (ISTA); weights smaller than the threshold become exactly 0.
 * Returns the number of exact zeros in params afterwards.
 */
export function proximalL1_(params: Iterable<Tensor> | Tensor, threshold: number): number {
  checkThreshold('proximalL1_', 'threshold', threshold);
  const list = params instanceof Tensor ? [params] : [...params];
  eachParam('proximalL1_', list, (w) => softThresholdArray_(w, threshold));
  return countZeros('proximalL1_', list);
}

/**
 * The proximal operator of the lecture's elastic net l1 * ||w||_1 + l2 * ||w||_2^2 for a step
 * of size lr, in place: w <- sign(w) * max(|w| - l1Threshold, 0) / (1 + 2 * l2Threshold), with
 * l1Threshold = lr * lambda1 and l2Threshold = lr * lambda2. Returns the number of exact zeros.
 */
export function proximalElasticNet_(
  params: Iterable<Tensor> | Tensor,
  l1Threshold: number,
  l2Threshold: number,
): number {
  checkThreshold('proximalElasticNet_', 'l1Threshold', l1Threshold);
  checkThreshold('proximalElasticNet_', 'l2Threshold', l2Threshold);
  const list = params instanceof Tensor ? [params] : [...params];
  eachParam('proximalElasticNet_', list, (w) => softThresholdArray_(w, l1Threshold, 1 + 2 * l2Threshold));
  return countZeros('proximalElasticNet_', list);
}

/** The gradient plus the L1 subgradient lambda * sign(w) (sign(0) = 0, as torch), in a new buffer. */
export function addL1Subgradient(w: Float32Array, g: Float32Array, lambda: number): Float32Array {
  const out = new Float32Array(g.length);
  for (let i = 0; i < g.length; i++) {
    const v = w[i];
    out[i] = g[i] + (v > 0 ? lambda : v < 0 ? -lambda : 0);
  }
  return out;
}

/** Sparsity of one parameter (see sparsity()). */
export interface ParamSparsity {
  /** The parameter's name ('0', '1', ... for unnamed tensors). */
  name: string;
  /** Its shape. */
  shape: number[];
  /** Entries with |w| <= threshold. */
  zeros: number;
  /** Its number of entries. */
  total: number;
  /** zeros / total (0 for an empty tensor). */
  fraction: number;
}

/** What sparsity() reports. */
export interface SparsityReport {
  /** Entries with |w| <= threshold over all params. */
  zeros: number;
  /** Entries over all params. */
  total: number;
  /** zeros / total (0 when there are no entries). */
  fraction: number;
  /** The threshold used (0: exact zeros). */
  threshold: number;
  /** Per parameter, in order. */
  params: ParamSparsity[];
}

/** Options of sparsity(). */
export interface SparsityOptions {
  /** Count |w| <= threshold as zero (default 0: exact zeros only). */
  threshold?: number;
}

/**
 * Counts the zero weights of params: a list of tensors, or named ones such as
 * `model.namedParameters()`. With the default threshold 0 only exact zeros count.
 */
export function sparsity(
  params: Iterable<Tensor> | Iterable<readonly [string, Tensor]>,
  options: SparsityOptions = {},
): SparsityReport {
  const threshold = options.threshold ?? 0;
  if (typeof threshold !== 'number' || !(threshold >= 0))
    throw new RangeError(`sparsity: threshold must be a number >= 0, got ${String(threshold)}`);
  const out: ParamSparsity[] = [];
  let index = 0;
  for (const item of params as Iterable<Tensor | readonly [string, Tensor]>) {
    const [name, p] = item instanceof Tensor ? [String(index), item] : item;
    index++;
    if (!(p instanceof Tensor))
      throw new TypeError(`sparsity: '${name}' is not a Tensor (pass tensors or [name, tensor] pairs)`);
    const d = p.data;
    let zeros = 0;
    for (let i = 0; i < d.length; i++) if (Math.abs(d[i]) <= threshold) zeros++;
    out.push({ name, shape: [...p.shape], zeros, total: d.length, fraction: d.length ? zeros / d.length : 0 });
  }
  const zeros = out.reduce((s, r) => s + r.zeros, 0);
  const total = out.reduce((s, r) => s + r.total, 0);
  return { zeros, total, fraction: total ? zeros / total : 0, threshold, params: out };
}
