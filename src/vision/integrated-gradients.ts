/**
 * Integrated gradients (Sundararajan et al., 2017): attribution_i = (x_i - x'_i) times the
 * mean of d score / d input_i along the straight path from a baseline x' to x, here by the
 * trapezoidal rule over `steps` intervals, evaluated in batches. Completeness: the
 * attributions add up to score(x) - score(x') up to the quadrature error, reported as `delta`.
 */
import type { Module } from '../nn/module.js';
import { fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { checkScores, inspectMode, intOpt, pickTarget, singleImage } from './interpret-common.js';

/** Options of integratedGradients. */
export interface IntegratedGradientsOptions {
  /** Class to explain; default the predicted class. */
  targetClass?: number;
  /** Baseline image, same shape as the input, or a number filling it; default 0 (black). */
  baseline?: Tensor | number;
  /** Intervals of the path integral; default 64. */
  steps?: number;
  /** Path points per forward/backward pass; default 32. */
  batchSize?: number;
}

/** What integratedGradients returns. */
export interface IntegratedGradientsResult {
  /** Per-pixel attribution, the shape of the image (C, H, W). */
  attributions: Tensor;
  /** The class explained. */
  targetClass: number;
  /** Its score at the input and at the baseline. */
  score: number;
  /** The class's score at the baseline. */
  baselineScore: number;
  /** sum(attributions) - (score - baselineScore): the completeness error of the quadrature. */
  delta: number;
}

/** Integrated gradients of one image (C, H, W) or (1, C, H, W). */
export function integratedGradients(
  model: Module,
  x: Tensor,
  options: IntegratedGradientsOptions = {},
): IntegratedGradientsResult {
  const op = 'integratedGradients';
  const x4 = singleImage(op, x);
  const steps = intOpt(op, 'steps', options.steps, 64);
  const batchSize = intOpt(op, 'batchSize', options.batchSize, 32);
  const n = x4.size;
  const xs = x4.data as Float32Array;
  let base: Float32Array;
  if (options.baseline === undefined || typeof options.baseline === 'number') {
    const v = options.baseline ?? 0;
    if (!Number.isFinite(v)) throw new RangeError(`${op}: baseline must be a finite number or a Tensor, got ${v}`);
    base = new Float32Array(n).fill(v);
  } else {
    const b = options.baseline;
    if (!(b instanceof Tensor) || b.size !== n)
      throw new RangeError(
        `${op}: baseline must have the input's shape ${fmt(x4.shape.slice(1))}, got ${b instanceof Tensor ? fmt(b.shape) : typeof b}`,
      );
    base = Float32Array.from(b.data);
  }
  const total = new Float64Array(n);
  let target = -1,
    score = 0,
    baselineScore = 0;
  inspectMode(model, () => {
    for (let at = 0; at <= steps; at += batchSize) {
      const m = Math.min(batchSize, steps + 1 - at);
      const batch = new Float32Array(m * n);
      for (let b = 0; b < m; b++) {
        const a = (at + b) / steps;
        for (let i = 0; i < n; i++) batch[b * n + i] = base[i] + a * (xs[i] - base[i]);
      }
      const input = new Tensor(batch, [m, ...x4.shape.slice(1)]).requiresGrad_(true);
      const out = model.call(input);
      const classes = checkScores(op, out, m);
      if (target < 0) {
        // the predicted class is that of the input itself, the last path point
        if (options.targetClass === undefined) {
          const last = model.call(new Tensor(Float32Array.from(xs), x4.shape));
          target = pickTarget(op, last, undefined);
        } else target = pickTarget(op, out, options.targetClass);
      }
      for (let b = 0; b < m; b++) {
        const k = at + b;
        if (k === 0) baselineScore = out.data[b * classes + target];
        if (k === steps) score = out.data[b * classes + target];
      }
      out.narrow(1, target, 1).sum().backward();
      const g = input.grad?.data;
      if (!g) continue;
      for (let b = 0; b < m; b++) {
        const k = at + b;
        const wgt = k === 0 || k === steps ? 0.5 : 1;
        for (let i = 0; i < n; i++) total[i] += wgt * g[b * n + i];
      }
    }
  });
  const attr = new Float32Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    attr[i] = ((xs[i] - base[i]) * total[i]) / steps;
    sum += attr[i];
  }
  return {
    attributions: new Tensor(attr, x4.shape.slice(1)),
    targetClass: target,
    score,
    baselineScore,
    delta: sum - (score - baselineScore),
  };
}
