/**
 * "What does the CNN look at?": two classic attribution maps for one input image.
 * `saliency` is the vanilla gradient map of Simonyan et al. (2014), |d score / d pixel|
 * maximised over colour channels; `occlusionSensitivity` (Zeiler & Fergus, 2014) slides a
 * gray patch over the image and records how much the class score drops. Both run the model in
 * evaluation mode and restore its mode, and leave the parameters' gradients untouched.
 */
import { enableGrad, noGrad } from '../autograd/engine.js';
import type { Module } from '../nn/module.js';
import { softmax } from '../nn/functional/softmax.js';
import { fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** Lifts (C, H, W) or (1, C, H, W) to (1, C, H, W), with a clear error otherwise. */
function single(op: string, x: unknown): Tensor {
  if (!(x instanceof Tensor) || x.dtype !== 'float32') throw new TypeError(`${op}: input must be a float32 Tensor`);
  if (x.ndim === 3) return x.reshape([1, ...x.shape]);
  if (x.ndim === 4 && x.shape[0] === 1) return x;
  throw new RangeError(`${op}: input must be one image (C, H, W) or (1, C, H, W), got shape ${fmt(x.shape)}`);
}

/** Runs fn with the model in evaluation mode, restoring every submodule's mode afterwards. */
function inEvalMode<T>(model: Module, fn: () => T): T {
  const mods = [...model.modules()];
  const modes = mods.map((m) => m.training);
  try {
    model.eval();
    return fn();
  } finally {
    mods.forEach((m, i) => {
      m.training = modes[i];
    });
  }
}

function checkLogits(op: string, out: Tensor, batch: number): number {
  if (out.ndim !== 2 || out.shape[0] !== batch)
    throw new RangeError(`${op}: the model must return (N, classes) scores, got shape ${fmt(out.shape)}`);
  return out.shape[1];
}

function checkTarget(op: string, target: number, classes: number): number {
  if (!Number.isInteger(target) || target < 0 || target >= classes)
    throw new RangeError(`${op}: targetClass must be an integer in [0, ${classes}), got ${target}`);
  return target;
}

function argmaxRow(data: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (data[offset + k] > data[offset + best]) best = k;
  return best;
}

/**
 * Vanilla gradient saliency of one image x (C, H, W) or (1, C, H, W): the (H, W) map
 * max over channels of |d score[targetClass] / d x|, where score is the model's logit.
 * targetClass defaults to the predicted class.
 */
export function saliency(model: Module, x: Tensor, targetClass?: number): Tensor {
  const op = 'saliency';
  const x4 = single(op, x);
  const [, c, h, w] = x4.shape;
  const input = new Tensor(Float32Array.from(x4.data), x4.shape).requiresGrad_(true);
  const params = model.parameters();
  const wanted = params.map((p) => p.requiresGrad);
  try {
    for (const p of params) p.requiresGrad = false; // only d score / d input is needed
    inEvalMode(model, () =>
      enableGrad(() => {
        const out = model.call(input);
        const classes = checkLogits(op, out, 1);
        const t = targetClass === undefined ? argmaxRow(out.data, 0, classes) : checkTarget(op, targetClass, classes);
        out.narrow(1, t, 1).sum().backward();
      }),
    );
  } finally {
    params.forEach((p, i) => {
      p.requiresGrad = wanted[i];
    });
  }
  const g = input.grad;
  const out = new Float32Array(h * w);
  if (g) {
    const gd = g.data;
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < h * w; p++) {
        const v = Math.abs(gd[ch * h * w + p]);
        if (v > out[p]) out[p] = v;
      }
    }
  }
  return new Tensor(out, [h, w]);
}

/** Options of occlusionSensitivity. */
export interface OcclusionOptions {
  /** Side of the square patch in pixels; default max(1, round(min(H, W) / 4)). */
  patch?: number;
  /** Step between patch positions; default ceil(patch / 2). */
  stride?: number;
  /** Value the patch is filled with; default the mean of the image (a neutral gray). */
  value?: number;
  /** 'logit' (default) or 'probability' (softmax) as the class score. */
  score?: 'logit' | 'probability';
  /** Occluded images per forward pass; default 64. */
  batchSize?: number;
}

/** What occlusionSensitivity returns. */
export interface OcclusionResult {
  /** Score drop (baseline - occluded) per patch position, (rows, columns). */
  drops: Tensor;
  /** Per pixel, the mean drop over the patches that cover it, (H, W). */
  map: Tensor;
  /** The class whose score is measured. */
  targetClass: number;
  /** Its score on the unoccluded image. */
  baseline: number;
}

/** Patch start positions covering [0, n) with the given patch and stride (the last one flush with the end). */
function starts(n: number, patch: number, stride: number): number[] {
  const s: number[] = [];
  for (let p = 0; p + patch <= n; p += stride) s.push(p);
  if (s[s.length - 1] !== n - patch) s.push(n - patch);
  return s;
}

/**
 * Occlusion sensitivity of one image (C, H, W) or (1, C, H, W): for every position of a
 * gray patch, how much the score of targetClass (default: the predicted class) drops.
 * Large drops mark the pixels the prediction depends on.
 */
export function occlusionSensitivity(
  model: Module,
  x: Tensor,
  targetClass?: number,
  options: OcclusionOptions = {},
): OcclusionResult {
  const op = 'occlusionSensitivity';
  const x4 = single(op, x);
  const [, c, h, w] = x4.shape;
  const posInt = (name: string, v: number | undefined, dflt: number, max: number): number => {
    if (v === undefined) return dflt;
    if (!Number.isInteger(v) || v < 1 || v > max)
      throw new RangeError(`${op}: ${name} must be an integer in [1, ${max}], got ${v}`);
    return v;
  };
  const patch = posInt('patch', options.patch, Math.max(1, Math.round(Math.min(h, w) / 4)), Math.min(h, w));
  const stride = posInt('stride', options.stride, Math.ceil(patch / 2), Math.max(h, w));
  const batchSize = posInt('batchSize', options.batchSize, 64, Number.MAX_SAFE_INTEGER);
  const kind = options.score ?? 'logit';
  if (kind !== 'logit' && kind !== 'probability')
    throw new TypeError(`${op}: score must be 'logit' or 'probability', got ${JSON.stringify(kind)}`);
  const src = x4.data as Float32Array;
  let fill = options.value;
  if (fill === undefined) {
    fill = 0;
    for (const v of src) fill += v;
    fill /= src.length;
  }
  if (!Number.isFinite(fill)) throw new RangeError(`${op}: value must be a finite number, got ${fill}`);
  const rows = starts(h, patch, stride),
    cols = starts(w, patch, stride);
  const positions = rows.flatMap((y) => cols.map((xx) => [y, xx] as const));
  const scores = (batch: Tensor): Float32Array => {
    const out = model.call(batch);
    checkLogits(op, out, batch.shape[0]);
    return Float32Array.from((kind === 'probability' ? softmax(out, 1) : out).data);
  };
  return inEvalMode(model, () =>
    noGrad(() => {
      const base = scores(x4);
      const classes = base.length;
      const target = targetClass === undefined ? argmaxRow(base, 0, classes) : checkTarget(op, targetClass, classes);
      const baseline = base[target];
      const drops = new Float32Array(positions.length);
      const plane = h * w,
        img = c * plane;
      for (let at = 0; at < positions.length; at += batchSize) {
        const n = Math.min(batchSize, positions.length - at);
        const batch = new Float32Array(n * img);
        for (let b = 0; b < n; b++) {
          batch.set(src, b * img);
          const [y0, x0] = positions[at + b];
          for (let ch = 0; ch < c; ch++) {
            for (let i = y0; i < y0 + patch; i++)
              batch.fill(fill as number, b * img + ch * plane + i * w + x0, b * img + ch * plane + i * w + x0 + patch);
          }
        }
        const s = scores(new Tensor(batch, [n, c, h, w]));
        for (let b = 0; b < n; b++) drops[at + b] = baseline - s[b * classes + target];
      }
      const sum = new Float32Array(plane),
        count = new Float32Array(plane);
      positions.forEach(([y0, x0], k) => {
        for (let i = y0; i < y0 + patch; i++)
          for (let j = x0; j < x0 + patch; j++) {
            sum[i * w + j] += drops[k];
            count[i * w + j]++;
          }
      });
      for (let p = 0; p < plane; p++) sum[p] = count[p] > 0 ? sum[p] / count[p] : 0;
      return {
        drops: new Tensor(drops, [rows.length, cols.length]),
        map: new Tensor(sum, [h, w]),
        targetClass: target,
        baseline,
      };
    }),
  );
}
