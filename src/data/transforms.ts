/**
 * Batch transforms applied by DataLoader to each input batch x (N, C, H, W) (Normalize also
 * accepts (N, F)): per-channel normalisation and the data-augmentation transforms of the
 * regularisation chapter (random flips, padded random crops, small random rotations and
 * translations, additive Gaussian noise). Random draws come from the seeded generator of
 * src/tensor/random.ts, so a seeded DataLoader (or manualSeed) makes augmentation reproducible.
 * Every transform returns a new tensor and leaves its input untouched.
 */
import { Tensor } from '../tensor/tensor.js';
import { fmt, sizeOf } from '../tensor/shape.js';
import { random, randomNormal } from '../tensor/random.js';

/** A transform of a whole input batch. */
export interface Transform {
  /** Returns the transformed batch (a new tensor). */
  apply(x: Tensor): Tensor;
}

/** A transform object or a plain function of the batch. */
export type TransformLike = Transform | ((x: Tensor) => Tensor);

/** Applies a Transform or function to a batch. */
export function applyTransform(t: TransformLike, x: Tensor): Tensor {
  return typeof t === 'function' ? t(x) : t.apply(x);
}

function floatData(op: string, x: Tensor): Float32Array {
  if (!(x.data instanceof Float32Array))
    throw new TypeError(`${op}: expected a float32 batch, got ${x.dtype} with shape ${fmt(x.shape)}`);
  return x.data;
}

function checkImages(op: string, x: Tensor): [number, number, number, number] {
  if (x.ndim !== 4) throw new RangeError(`${op}: expected an image batch (N, C, H, W), got shape ${fmt(x.shape)}`);
  return [x.shape[0], x.shape[1], x.shape[2], x.shape[3]];
}

function checkProbability(op: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${op}: p must be in [0, 1], got ${String(p)}`);
}

/** Applies several transforms in order. */
export class Compose implements Transform {
  /** The transforms, applied first to last. */
  readonly transforms: readonly TransformLike[];
  /** Composes transforms (first applied first). */
  constructor(transforms: readonly TransformLike[]) {
    this.transforms = [...transforms];
  }
  /** Runs every transform in turn. */
  apply(x: Tensor): Tensor {
    let y = x;
    for (const t of this.transforms) y = applyTransform(t, y);
    return y;
  }
}

/** (x - mean[c]) / std[c] per channel c = axis 1 (the feature axis for (N, F) data). */
export class Normalize implements Transform {
  /** Per-channel means. */
  readonly mean: readonly number[];
  /** Per-channel standard deviations. */
  readonly std: readonly number[];

  /** mean and std are numbers (all channels) or one value per channel; std must be > 0. */
  constructor(mean: number | readonly number[], std: number | readonly number[]) {
    this.mean = typeof mean === 'number' ? [mean] : [...mean];
    this.std = typeof std === 'number' ? [std] : [...std];
    if (this.mean.length === 0 || this.mean.some((m) => !Number.isFinite(m)))
      throw new RangeError(`Normalize: mean must be finite numbers, got [${this.mean.join(', ')}]`);
    if (this.std.length === 0 || this.std.some((s) => !(s > 0) || !Number.isFinite(s)))
      throw new RangeError(`Normalize: std must be positive finite numbers, got [${this.std.join(', ')}]`);
    if (this.mean.length !== this.std.length && this.mean.length !== 1 && this.std.length !== 1) {
      throw new RangeError(`Normalize: mean has ${this.mean.length} entries but std has ${this.std.length}`);
    }
  }

  /** Normalises a batch (N, C, ...) or (N, F). */
  apply(x: Tensor): Tensor {
    const src = floatData('Normalize', x);
    if (x.ndim < 2) throw new RangeError(`Normalize: expected a batch (N, C, ...), got shape ${fmt(x.shape)}`);
    const n = x.shape[0],
      c = x.shape[1],
      plane = sizeOf(x.shape.slice(2));
    const k = Math.max(this.mean.length, this.std.length);
    if (k !== 1 && k !== c)
      throw new RangeError(
        `Normalize: ${k} channel statistics given but the batch of shape ${fmt(x.shape)} has ${c} channels`,
      );
    const out = new Float32Array(src.length);
    for (let ch = 0; ch < c; ch++) {
      const m = this.mean.length === 1 ? this.mean[0] : this.mean[ch];
      const inv = 1 / (this.std.length === 1 ? this.std[0] : this.std[ch]);
      for (let b = 0; b < n; b++) {
        const off = (b * c + ch) * plane;
        for (let i = off; i < off + plane; i++) out[i] = (src[i] - m) * inv;
      }
    }
    return new Tensor(out, x.shape);
  }
}

/** Mirrors each image left-right with probability p. */
export class RandomHorizontalFlip implements Transform {
  /** Probability of flipping an image. */
  readonly p: number;
  /** p defaults to 0.5. */
  constructor(p = 0.5) {
    checkProbability('RandomHorizontalFlip', p);
    this.p = p;
  }
  /** Flips a random subset of the batch (N, C, H, W). */
  apply(x: Tensor): Tensor {
    const src = floatData('RandomHorizontalFlip', x);
    const [n, c, h, w] = checkImages('RandomHorizontalFlip', x);
    const out = new Float32Array(src);
    const img = c * h * w;
    for (let b = 0; b < n; b++) {
      if (random() >= this.p) continue;
      for (let r = b * img; r < (b + 1) * img; r += w) {
        for (let j = 0; j < w; j++) out[r + j] = src[r + w - 1 - j];
      }
    }
    return new Tensor(out, x.shape);
  }
}

/** Options of RandomCrop. */
export interface RandomCropOptions {
  /** Zero-padding (pixels) added on every side before cropping; default 0. */
  padding?: number;
  /** Value of padded pixels; default 0. */
  fill?: number;
}

/** Pads each image and crops a random size x size (or [h, w]) window, independently per image. */
export class RandomCrop implements Transform {
  /** Output height. */
  readonly height: number;
  /** Output width. */
  readonly width: number;
  /** Padding added on each side. */
  readonly padding: number;
  /** Value of padded pixels. */
  readonly fill: number;

  /** size is the crop side (or [height, width]); padding as in torchvision's RandomCrop(size, padding). */
  constructor(size: number | readonly [number, number], options: RandomCropOptions = {}) {
    const [h, w] = typeof size === 'number' ? [size, size] : size;
    if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1)
      throw new RangeError(`RandomCrop: size must be positive integers, got ${String(size)}`);
    const padding = options.padding ?? 0;
    if (!Number.isInteger(padding) || padding < 0)
      throw new RangeError(`RandomCrop: padding must be a non-negative integer, got ${String(padding)}`);
    this.height = h;
    this.width = w;
    this.padding = padding;
    this.fill = options.fill ?? 0;
  }

  /** Crops every image of the batch (N, C, H, W) to (N, C, height, width). */
  apply(x: Tensor): Tensor {
    const src = floatData('RandomCrop', x);
    const [n, c, h, w] = checkImages('RandomCrop', x);
    const p = this.padding,
      oh = this.height,
      ow = this.width;
    if (h + 2 * p < oh || w + 2 * p < ow)
      throw new RangeError(
        `RandomCrop: crop ${oh}x${ow} is larger than the padded image ${h + 2 * p}x${w + 2 * p} (input ${fmt(x.shape)}, padding ${p})`,
      );
    const out = new Float32Array(n * c * oh * ow);
    for (let b = 0; b < n; b++) {
      const top = Math.floor(random() * (h + 2 * p - oh + 1)) - p;
      const left = Math.floor(random() * (w + 2 * p - ow + 1)) - p;
      for (let ch = 0; ch < c; ch++) {
        const sBase = (b * c + ch) * h * w,
          oBase = (b * c + ch) * oh * ow;
        for (let i = 0; i < oh; i++) {
          const sy = top + i;
          const oRow = oBase + i * ow;
          if (sy < 0 || sy >= h) {
            out.fill(this.fill, oRow, oRow + ow);
            continue;
          }
          const x0 = Math.max(0, -left),
            x1 = Math.min(ow, w - left);
          if (x0 > 0) out.fill(this.fill, oRow, oRow + Math.min(x0, ow));
          if (x1 < ow) out.fill(this.fill, oRow + Math.max(x1, 0), oRow + ow);
          if (x1 > x0) out.set(src.subarray(sBase + sy * w + left + x0, sBase + sy * w + left + x1), oRow + x0);
        }
      }
    }
    return new Tensor(out, [n, c, oh, ow]);
  }
}

/** Options of RandomAffine. */
export interface RandomAffineOptions {
  /** Rotation angle drawn uniformly from [-degrees, degrees]; default 0. */
  degrees?: number;
  /** Maximum shift as a fraction of [width, height] (or one number for both); shifts are whole pixels. */
  translate?: number | readonly [number, number];
  /** Value of pixels that come from outside the image; default 0. */
  fill?: number;
}

/**
 * Small random rotations (about the image centre) and translations, per image, with bilinear
 * sampling; like torchvision's RandomAffine(degrees, translate).
 */
export class RandomAffine implements Transform {
  /** Maximum absolute rotation in degrees. */
  readonly degrees: number;
  /** Maximum shift fractions [x, y]. */
  readonly translate: readonly [number, number];
  /** Fill value outside the source image. */
  readonly fill: number;

  /** See RandomAffineOptions. */
  constructor(options: RandomAffineOptions) {
    const degrees = options.degrees ?? 0;
    if (!(degrees >= 0 && degrees <= 180))
      throw new RangeError(`RandomAffine: degrees must be in [0, 180], got ${String(degrees)}`);
    const t = options.translate ?? 0;
    const tr: [number, number] = typeof t === 'number' ? [t, t] : [t[0], t[1]];
    if (tr.some((v) => !(v >= 0 && v <= 1)))
      throw new RangeError(`RandomAffine: translate fractions must be in [0, 1], got [${tr.join(', ')}]`);
    this.degrees = degrees;
    this.translate = tr;
    this.fill = options.fill ?? 0;
  }

  /** Rotates and shifts every image of the batch (N, C, H, W) by its own random amount. */
  apply(x: Tensor): Tensor {
    const src = floatData('RandomAffine', x);
    const [n, c, h, w] = checkImages('RandomAffine', x);
    const out = new Float32Array(src.length);
    const cx = (w - 1) / 2,
      cy = (h - 1) / 2;
    for (let b = 0; b < n; b++) {
      const angle = ((random() * 2 - 1) * this.degrees * Math.PI) / 180;
      const maxDx = this.translate[0] * w,
        maxDy = this.translate[1] * h;
      const tx = Math.round((random() * 2 - 1) * maxDx),
        ty = Math.round((random() * 2 - 1) * maxDy);
      const cos = Math.cos(angle),
        sin = Math.sin(angle);
      for (let ch = 0; ch < c; ch++) {
        const base = (b * c + ch) * h * w;
        for (let i = 0; i < h; i++) {
          for (let j = 0; j < w; j++) {
            // Inverse map: output pixel p comes from R^-1 (p - centre - t) + centre.
            const dx = j - cx - tx,
              dy = i - cy - ty;
            const sx = cos * dx + sin * dy + cx,
              sy = -sin * dx + cos * dy + cy;
            out[base + i * w + j] = bilinear(src, base, h, w, sy, sx, this.fill);
          }
        }
      }
    }
    return new Tensor(out, x.shape);
  }
}

/** Bilinear sample of plane (h, w) at base in src at (y, x); points outside blend with fill. */
export function bilinear(
  src: Float32Array,
  base: number,
  h: number,
  w: number,
  y: number,
  x: number,
  fill: number,
): number {
  const y0 = Math.floor(y),
    x0 = Math.floor(x);
  const fy = y - y0,
    fx = x - x0;
  const at = (yy: number, xx: number): number =>
    yy < 0 || yy >= h || xx < 0 || xx >= w ? fill : src[base + yy * w + xx];
  const v00 = at(y0, x0);
  if (fy < 1e-6 && fx < 1e-6) return v00;
  const v01 = at(y0, x0 + 1),
    v10 = at(y0 + 1, x0),
    v11 = at(y0 + 1, x0 + 1);
  return (1 - fy) * ((1 - fx) * v00 + fx * v01) + fy * ((1 - fx) * v10 + fx * v11);
}

/** Random rotation by up to ±degrees (RandomAffine with no shift). */
export class RandomRotation extends RandomAffine {
  /** degrees: maximum absolute angle. */
  constructor(degrees: number, fill = 0) {
    super({ degrees, fill });
  }
}

/** Random whole-pixel shift by up to fraction × size (RandomAffine with no rotation). */
export class RandomTranslation extends RandomAffine {
  /** fraction: maximum shift as a fraction of width and height (or [fx, fy]). */
  constructor(fraction: number | readonly [number, number], fill = 0) {
    super({ translate: fraction, fill });
  }
}

/** Options of GaussianNoise. */
export interface GaussianNoiseOptions {
  /** Noise standard deviation (> 0). */
  std: number;
  /** Noise mean; default 0. */
  mean?: number;
  /** Clamp the result to [lo, hi], e.g. [0, 1] for pixel data. */
  clip?: readonly [number, number];
}

/** Adds independent Gaussian noise N(mean, std²) to every element. */
export class GaussianNoise implements Transform {
  /** Noise standard deviation. */
  readonly std: number;
  /** Noise mean. */
  readonly mean: number;
  /** Optional clamp range. */
  readonly clip?: readonly [number, number];

  /** See GaussianNoiseOptions. */
  constructor(options: GaussianNoiseOptions) {
    if (!(options.std >= 0) || !Number.isFinite(options.std))
      throw new RangeError(`GaussianNoise: std must be a non-negative finite number, got ${String(options.std)}`);
    if (options.clip && !(options.clip[0] <= options.clip[1]))
      throw new RangeError(`GaussianNoise: clip [${options.clip.join(', ')}] must have lo <= hi`);
    this.std = options.std;
    this.mean = options.mean ?? 0;
    if (options.clip) this.clip = [options.clip[0], options.clip[1]];
  }

  /** Returns x plus noise (any shape, float32). */
  apply(x: Tensor): Tensor {
    const src = floatData('GaussianNoise', x);
    const out = new Float32Array(src.length);
    const lo = this.clip ? this.clip[0] : -Infinity,
      hi = this.clip ? this.clip[1] : Infinity;
    for (let i = 0; i < src.length; i++) {
      const v = src[i] + this.mean + this.std * randomNormal();
      out[i] = v < lo ? lo : v > hi ? hi : v;
    }
    return new Tensor(out, x.shape);
  }
}
