/**
 * Batch-level augmentations that mix images AND labels (torchvision.transforms.v2.MixUp and
 * CutMix): integer labels become one-hot rows, mixed into float class probabilities (N, C)
 * that crossEntropy accepts as targets. Each batch draws one λ ~ Beta(α, α) and pairs every
 * sample with its neighbour in the batch (the batch rolled by one, as torchvision). Labels that
 * are already probabilities (N, C) are mixed as they are, so mixers can be chained.
 */
import { random, randomNormal } from '../../tensor/random.js';
import { fmt } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Batch } from '../dataset.js';
import { floatData, imageDims, num, randint } from './util.js';

/** A transform of a whole batch that sees (and may change) the labels. */
export interface BatchTransform {
  /** Returns the new batch (new tensors; the inputs are left untouched). */
  apply(x: Tensor, y: Tensor): Batch;
}

/** A BatchTransform or a plain function of (x, y). */
export type BatchTransformLike = BatchTransform | ((x: Tensor, y: Tensor) => Batch);

/** Applies a BatchTransform or function to a batch. */
export function applyBatchTransform(t: BatchTransformLike, x: Tensor, y: Tensor): Batch {
  return typeof t === 'function' ? t(x, y) : t.apply(x, y);
}

/** Labels as float class probabilities (N, C): int labels (N) one-hot, probabilities checked and copied. */
export function toProbabilities(op: string, y: Tensor, numClasses: number): Float32Array {
  const n = y.shape[0] ?? 0;
  if (y.ndim === 2 && y.dtype === 'float32') {
    if (y.shape[1] !== numClasses)
      throw new RangeError(`${op}: soft labels ${fmt(y.shape)} have ${y.shape[1]} classes, expected ${numClasses}`);
    return Float32Array.from(y.data);
  }
  if (y.ndim !== 1)
    throw new RangeError(
      `${op}: labels must be class indices (N) or probabilities (N, ${numClasses}), got ${fmt(y.shape)}`,
    );
  const out = new Float32Array(n * numClasses);
  for (let i = 0; i < n; i++) {
    const k = y.data[i];
    if (!Number.isInteger(k) || k < 0 || k >= numClasses)
      throw new RangeError(`${op}: label ${k} at position ${i} is not a class index in [0, ${numClasses})`);
    out[i * numClasses + k] = 1;
  }
  return out;
}

/** A Gamma(a, 1) sample (Marsaglia & Tsang; boosted by U^(1/a) for a < 1). */
function sampleGamma(a: number): number {
  if (a < 1) return sampleGamma(a + 1) * random() ** (1 / a);
  const d = a - 1 / 3,
    c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do {
      x = randomNormal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Beta(a, b) sample from the seeded global generator. */
export function sampleBeta(a: number, b: number): number {
  const x = sampleGamma(a),
    y = sampleGamma(b);
  return x + y === 0 ? 0.5 : x / (x + y);
}

/** Options of MixUp and CutMix. */
export interface MixOptions {
  /** Number of classes C of the one-hot labels. */
  numClasses: number;
  /** α of the Beta(α, α) distribution of λ; default 1 (torchvision). */
  alpha?: number;
}

function checkMix(op: string, o: MixOptions): [number, number] {
  if (!o || !Number.isInteger(o.numClasses) || o.numClasses < 2)
    throw new RangeError(`${op}: numClasses must be an integer >= 2, got ${String(o?.numClasses)}`);
  const alpha = o.alpha ?? 1;
  if (!(alpha > 0) || !Number.isFinite(alpha))
    throw new RangeError(`${op}: alpha must be a positive number, got ${String(alpha)}`);
  return [o.numClasses, alpha];
}

/** y' = λ y + (1 - λ) y_rolled for probability rows (N, C). */
function mixLabels(p: Float32Array, n: number, c: number, lam: number): Tensor {
  const out = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    const j = (i - 1 + n) % n; // torch.roll(y, 1, 0): row i takes row i - 1
    for (let k = 0; k < c; k++) out[i * c + k] = lam * p[i * c + k] + (1 - lam) * p[j * c + k];
  }
  return new Tensor(out, [n, c]);
}

/** MixUp (Zhang et al. 2018): x' = λ x + (1 - λ) x_rolled, labels mixed alike; λ ~ Beta(α, α) per batch. */
export class MixUp implements BatchTransform {
  /** Number of classes (labels become mixed one-hot vectors of this length). */
  readonly numClasses: number;
  /** The α of the Beta(α, α) distribution λ is drawn from. */
  readonly alpha: number;
  /** The λ of the last batch (for inspection and tests). */
  lastLambda = Number.NaN;
  /** See MixOptions. */
  constructor(options: MixOptions) {
    [this.numClasses, this.alpha] = checkMix('MixUp', options);
  }
  /** Mixes a batch x (N, ...) and its labels. */
  apply(x: Tensor, y: Tensor): Batch {
    const src = floatData('MixUp', x);
    const n = x.shape[0] ?? 0;
    const p = toProbabilities('MixUp', y, this.numClasses);
    if (n !== (y.shape[0] ?? 0)) throw new RangeError(`MixUp: x ${fmt(x.shape)} and y ${fmt(y.shape)} disagree on N`);
    const lam = sampleBeta(this.alpha, this.alpha);
    this.lastLambda = lam;
    const size = n === 0 ? 0 : src.length / n;
    const out = new Float32Array(src.length);
    for (let i = 0; i < n; i++) {
      const j = (i - 1 + n) % n;
      for (let k = 0; k < size; k++) out[i * size + k] = lam * src[i * size + k] + (1 - lam) * src[j * size + k];
    }
    return { x: new Tensor(out, x.shape), y: mixLabels(p, n, this.numClasses, lam) };
  }
  /** Description. */
  toString(): string {
    return `MixUp(alpha=${num(this.alpha)}, num_classes=${this.numClasses})`;
  }
}

/**
 * CutMix (Yun et al. 2019): a box of area about (1 - λ) of the image, centred uniformly at random
 * and clipped at the border, is pasted from the rolled batch; labels are mixed by the box's
 * actual area (torchvision's λ adjustment).
 */
export class CutMix implements BatchTransform {
  /** Number of classes (labels become mixed one-hot vectors of this length). */
  readonly numClasses: number;
  /** The α of the Beta(α, α) distribution λ is drawn from. */
  readonly alpha: number;
  /** The adjusted λ of the last batch (the fraction of each image that stayed its own). */
  lastLambda = Number.NaN;
  /** The box [y1, x1, y2, x2] of the last batch. */
  lastBox: [number, number, number, number] = [0, 0, 0, 0];
  /** See MixOptions. */
  constructor(options: MixOptions) {
    [this.numClasses, this.alpha] = checkMix('CutMix', options);
  }
  /** Pastes a box between neighbours of an image batch (N, C, H, W) and mixes the labels. */
  apply(x: Tensor, y: Tensor): Batch {
    const src = floatData('CutMix', x);
    const [n, c, h, w] = imageDims('CutMix', x);
    if (n !== (y.shape[0] ?? 0)) throw new RangeError(`CutMix: x ${fmt(x.shape)} and y ${fmt(y.shape)} disagree on N`);
    const p = toProbabilities('CutMix', y, this.numClasses);
    const lam = sampleBeta(this.alpha, this.alpha);
    const rx = randint(w),
      ry = randint(h);
    const r = 0.5 * Math.sqrt(1 - lam);
    const rw = Math.trunc(r * w),
      rh = Math.trunc(r * h);
    const x1 = Math.max(rx - rw, 0),
      y1 = Math.max(ry - rh, 0),
      x2 = Math.min(rx + rw, w),
      y2 = Math.min(ry + rh, h);
    const out = Float32Array.from(src);
    const size = c * h * w;
    for (let i = 0; i < n; i++) {
      const j = (i - 1 + n) % n;
      for (let ch = 0; ch < c; ch++)
        for (let yy = y1; yy < y2; yy++) {
          const o = ch * h * w + yy * w;
          out.set(src.subarray(j * size + o + x1, j * size + o + x2), i * size + o + x1);
        }
    }
    const adjusted = 1 - ((x2 - x1) * (y2 - y1)) / (w * h);
    this.lastLambda = adjusted;
    this.lastBox = [y1, x1, y2, x2];
    return { x: new Tensor(out, x.shape), y: mixLabels(p, n, this.numClasses, adjusted) };
  }
  /** Description. */
  toString(): string {
    return `CutMix(alpha=${num(this.alpha)}, num_classes=${this.numClasses})`;
  }
}

/** Applies one of several batch transforms per batch, chosen with the given probabilities (torchvision's RandomChoice). */
export class RandomChoiceBatch implements BatchTransform {
  /** The transforms chosen from. */
  readonly transforms: readonly BatchTransformLike[];
  /** The probability of each transform (normalised). */
  readonly p: readonly number[];
  /** p: one weight per transform (normalised; default equal). */
  constructor(transforms: readonly BatchTransformLike[], p?: readonly number[]) {
    if (transforms.length === 0) throw new RangeError('RandomChoiceBatch: give at least one transform');
    const w = p ?? transforms.map(() => 1);
    if (w.length !== transforms.length || w.some((v) => !(v >= 0)) || !(w.reduce((a, b) => a + b, 0) > 0))
      throw new RangeError(
        `RandomChoiceBatch: p must be ${transforms.length} non-negative weights, got [${w.join(', ')}]`,
      );
    const total = w.reduce((a, b) => a + b, 0);
    this.transforms = [...transforms];
    this.p = w.map((v) => v / total);
  }
  /** Applies one randomly chosen transform. */
  apply(x: Tensor, y: Tensor): Batch {
    let u = random(),
      k = 0;
    while (k < this.p.length - 1 && u >= this.p[k]) u -= this.p[k++];
    return applyBatchTransform(this.transforms[k], x, y);
  }
  /** Description. */
  toString(): string {
    return `RandomChoice([${this.transforms.map((t) => String(t)).join(', ')}])`;
  }
}
