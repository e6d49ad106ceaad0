/**
 * Batch transforms applied by DataLoader to each input batch x (N, C, H, W) (Normalize also
 * accepts (N, F)): per-channel normalisation and the basic data-augmentation transforms of the
 * regularisation chapter (random horizontal/vertical flips, padded random crops, random affine
 * warps: rotation, translation, zoom, shear; additive Gaussian noise). The rest of the
 * augmentations (colour, erasing, MixUp/CutMix, RandAugment...) live in src/data/augment/. Random draws come from the seeded generator of
 * src/tensor/random.ts, so a seeded DataLoader (or manualSeed) makes augmentation reproducible.
 * Every transform returns a new tensor and leaves its input untouched.
 */
import { Tensor } from '../tensor/tensor.js';
import { fmt, sizeOf } from '../tensor/shape.js';
import { random, randomNormal } from '../tensor/random.js';
import { affine, type AffineParams, type Interpolation } from './augment/functional.js';
import { num } from './augment/util.js';

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
  /** The transforms' descriptions, torchvision-style. */
  toString(): string {
    return `Compose(${this.transforms.map((t) => (typeof t === 'function' ? t.name || 'function' : String(t))).join(', ')})`;
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
  /** torchvision-style description. */
  toString(): string {
    return `Normalize(mean=[${this.mean.map(num).join(', ')}], std=[${this.std.map(num).join(', ')}])`;
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
  /** torchvision-style description. */
  toString(): string {
    return `RandomHorizontalFlip(p=${num(this.p)})`;
  }
}

/** Mirrors each image upside down with probability p. */
export class RandomVerticalFlip implements Transform {
  /** Probability of flipping an image. */
  readonly p: number;
  /** p defaults to 0.5. */
  constructor(p = 0.5) {
    checkProbability('RandomVerticalFlip', p);
    this.p = p;
  }
  /** Flips a random subset of the batch (N, C, H, W) top to bottom. */
  apply(x: Tensor): Tensor {
    const src = floatData('RandomVerticalFlip', x);
    const [n, c, h, w] = checkImages('RandomVerticalFlip', x);
    const out = new Float32Array(src);
    for (let b = 0; b < n; b++) {
      if (random() >= this.p) continue;
      for (let ch = 0; ch < c; ch++) {
        const base = (b * c + ch) * h * w;
        for (let i = 0; i < h; i++) out.set(src.subarray(base + (h - 1 - i) * w, base + (h - i) * w), base + i * w);
      }
    }
    return new Tensor(out, x.shape);
  }
  /** torchvision-style description. */
  toString(): string {
    return `RandomVerticalFlip(p=${num(this.p)})`;
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
  /** torchvision-style description. */
  toString(): string {
    return `RandomCrop(size=(${this.height}, ${this.width}), padding=${this.padding})`;
  }
}

/** Options of RandomAffine (torchvision's RandomAffine arguments). */
export interface RandomAffineOptions {
  /** Rotation angle drawn uniformly from [-degrees, degrees] (or from a [lo, hi] pair); default 0. */
  degrees?: number | readonly [number, number];
  /** Maximum shift as a fraction of [width, height] (or one number for both); shifts are whole pixels. */
  translate?: number | readonly [number, number];
  /** Zoom factor drawn uniformly from [lo, hi] (e.g. [0.9, 1.1]); default none (1). */
  scale?: readonly [number, number];
  /**
   * Shear in degrees: a number s shears along x by U(-s, s); [lo, hi] along x; [xlo, xhi, ylo, yhi]
   * along both axes. Default none.
   */
  shear?: number | readonly [number, number] | readonly [number, number, number, number];
  /** 'bilinear' (default, smooth) or 'nearest' (torchvision's default for RandomAffine). */
  interpolation?: Interpolation;
  /** Value of pixels that come from outside the image; default 0. */
  fill?: number;
}

function shearRanges(s: RandomAffineOptions['shear']): [[number, number], [number, number]] | null {
  if (s === undefined) return null;
  const r: number[] = typeof s === 'number' ? [-s, s, 0, 0] : s.length === 2 ? [s[0], s[1], 0, 0] : [...s];
  if (
    (typeof s === 'number' && !(s >= 0)) ||
    r.length !== 4 ||
    r.some((v) => !(Math.abs(v) < 90)) ||
    r[0] > r[1] ||
    r[2] > r[3]
  )
    throw new RangeError(
      `RandomAffine: shear must be degrees s >= 0, [lo, hi] or [xlo, xhi, ylo, yhi] with |angles| < 90, got ${String(s)}`,
    );
  return [
    [r[0], r[1]],
    [r[2], r[3]],
  ];
}

/**
 * Random rotations (about the image centre), translations, zooms and shears, per image, with
 * torchvision's geometry (F.affine's inverse matrix) and bilinear or nearest sampling; like
 * torchvision's RandomAffine(degrees, translate, scale, shear).
 */
export class RandomAffine implements Transform {
  /** Rotation range in degrees [lo, hi]. */
  readonly degrees: readonly [number, number];
  /** Maximum shift fractions [x, y]. */
  readonly translate: readonly [number, number];
  /** Zoom range, or null for none. */
  readonly scale: readonly [number, number] | null;
  /** Shear ranges in degrees [[xlo, xhi], [ylo, yhi]], or null for none. */
  readonly shear: readonly [readonly [number, number], readonly [number, number]] | null;
  /** Sampling of the warped image. */
  readonly interpolation: Interpolation;
  /** Fill value outside the source image. */
  readonly fill: number;

  /** See RandomAffineOptions. */
  constructor(options: RandomAffineOptions) {
    const deg = options.degrees ?? 0;
    if (typeof deg === 'number' ? !(deg >= 0 && deg <= 180) : !(deg[0] <= deg[1] && Math.abs(deg[0]) <= 360))
      throw new RangeError(`RandomAffine: degrees must be in [0, 180] or a [lo, hi] pair, got ${String(deg)}`);
    const t = options.translate ?? 0;
    const tr: [number, number] = typeof t === 'number' ? [t, t] : [t[0], t[1]];
    if (tr.some((v) => !(v >= 0 && v <= 1)))
      throw new RangeError(`RandomAffine: translate fractions must be in [0, 1], got [${tr.join(', ')}]`);
    const sc = options.scale;
    if (sc !== undefined && !(sc[0] > 0 && sc[0] <= sc[1] && Number.isFinite(sc[1])))
      throw new RangeError(`RandomAffine: scale must be a [lo, hi] pair with 0 < lo <= hi, got [${sc.join(', ')}]`);
    const interpolation = options.interpolation ?? 'bilinear';
    if (interpolation !== 'bilinear' && interpolation !== 'nearest')
      throw new RangeError(
        `RandomAffine: interpolation must be 'bilinear' or 'nearest', got '${String(interpolation)}'`,
      );
    this.degrees = typeof deg === 'number' ? [-deg, deg] : [deg[0], deg[1]];
    this.translate = tr;
    this.scale = sc === undefined ? null : [sc[0], sc[1]];
    this.shear = shearRanges(options.shear);
    this.interpolation = interpolation;
    this.fill = options.fill ?? 0;
  }

  /** Draws one image's parameters in torchvision's order (angle, translation, scale, shear). */
  sampleParams(h: number, w: number): AffineParams {
    const [d0, d1] = this.degrees;
    const angle = d0 + (d1 - d0) * random();
    const maxDx = this.translate[0] * w,
      maxDy = this.translate[1] * h;
    const tx = Math.round((random() * 2 - 1) * maxDx),
      ty = Math.round((random() * 2 - 1) * maxDy);
    const scale = this.scale ? this.scale[0] + (this.scale[1] - this.scale[0]) * random() : 1;
    let shear: [number, number] = [0, 0];
    if (this.shear) {
      const [[x0, x1], [y0, y1]] = this.shear;
      shear = [x0 + (x1 - x0) * random(), y0 === 0 && y1 === 0 ? 0 : y0 + (y1 - y0) * random()];
    }
    return { angle, translate: [tx, ty], scale, shear };
  }

  /** Warps every image of the batch (N, C, H, W) by its own random parameters. */
  apply(x: Tensor): Tensor {
    const src = floatData('RandomAffine', x);
    const [n, c, h, w] = checkImages('RandomAffine', x);
    const out = new Float32Array(src.length);
    const img = c * h * w;
    for (let b = 0; b < n; b++) {
      const p = this.sampleParams(h, w);
      out.set(affine(src.subarray(b * img, (b + 1) * img), c, h, w, p, this.interpolation, this.fill), b * img);
    }
    return new Tensor(out, x.shape);
  }

  /** torchvision-style description. */
  toString(): string {
    const parts = [`degrees=[${this.degrees.map(num).join(', ')}]`];
    if (this.translate[0] || this.translate[1]) parts.push(`translate=(${this.translate.map(num).join(', ')})`);
    if (this.scale) parts.push(`scale=(${this.scale.map(num).join(', ')})`);
    if (this.shear) parts.push(`shear=[${this.shear.flat().map(num).join(', ')}]`);
    if (this.interpolation !== 'bilinear') parts.push(`interpolation=${this.interpolation}`);
    return `RandomAffine(${parts.join(', ')})`;
  }
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
  /** Description. */
  toString(): string {
    return `GaussianNoise(std=${num(this.std)}${this.mean ? `, mean=${num(this.mean)}` : ''}${this.clip ? `, clip=[${this.clip.join(', ')}]` : ''})`;
  }
}
