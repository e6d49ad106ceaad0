/**
 * Colour and occlusion augmentations on [0, 1] image batches (N, C, H, W), per image:
 * ColorJitter (brightness, contrast, saturation, hue in a random order, as torchvision),
 * RandomGrayscale, RandomChannelPermutation (channel shuffle), RandomChannelDropout (channel
 * drop, as albumentations' ChannelDropout), GaussianBlur, RandomErasing (torchvision's) and
 * Cutout (DeVries & Taylor 2017: a fixed-size square at a uniform centre, clipped at the border).
 */
import { randomNormal, randperm } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  gaussianBlur,
  grayscale,
} from './functional.js';
import { perImage } from './per-image.js';
import { checkMin, checkP, num, randint, rangeText, toRange, uniform } from './util.js';
import type { Transform } from '../transforms.js';
import { random } from '../../tensor/random.js';

/** Options of ColorJitter: a number v means a factor in [max(0, 1 - v), 1 + v] (hue: a shift in [-v, v]). */
export interface ColorJitterOptions {
  /** Brightness factor range (a number v: [max(0, 1 - v), 1 + v]). */
  brightness?: number | readonly [number, number];
  /** Contrast factor range (a number v: [max(0, 1 - v), 1 + v]). */
  contrast?: number | readonly [number, number];
  /** Saturation factor range (a number v: [max(0, 1 - v), 1 + v]). */
  saturation?: number | readonly [number, number];
  /** Hue shift in turns, at most 0.5. */
  hue?: number | readonly [number, number];
}

/**
 * Random brightness, contrast, saturation and hue changes applied in a random order per image
 * (torchvision's ColorJitter); saturation and hue change 3-channel images only.
 */
export class ColorJitter implements Transform {
  /** Factor ranges (null when not jittered). */
  readonly brightness: readonly [number, number] | null;
  /** Contrast factor range (null when not jittered). */
  readonly contrast: readonly [number, number] | null;
  /** Saturation factor range (null when not jittered). */
  readonly saturation: readonly [number, number] | null;
  /** Hue shift range in turns (null when not jittered). */
  readonly hue: readonly [number, number] | null;

  /** See ColorJitterOptions. */
  constructor(options: ColorJitterOptions) {
    const op = 'ColorJitter';
    const factor = (field: string, v: number | readonly [number, number] | undefined): [number, number] | null => {
      if (v === undefined) return null;
      const r = toRange(op, field, v, 1, 0);
      return r[0] === 1 && r[1] === 1 ? null : r;
    };
    this.brightness = factor('brightness', options.brightness);
    this.contrast = factor('contrast', options.contrast);
    this.saturation = factor('saturation', options.saturation);
    const h = options.hue === undefined ? null : toRange(op, 'hue', options.hue, 0, -0.5, 0.5, false);
    this.hue = h && (h[0] !== 0 || h[1] !== 0) ? h : null;
  }

  /** Jitters every image of the batch. */
  apply(x: Tensor): Tensor {
    return perImage('ColorJitter', x, (img, c, h, w) => {
      const hw = h * w;
      const order = randperm(4);
      const b = this.brightness ? uniform(...this.brightness) : null;
      const ct = this.contrast ? uniform(...this.contrast) : null;
      const s = this.saturation ? uniform(...this.saturation) : null;
      const hu = this.hue ? uniform(...this.hue) : null;
      let out = img;
      for (const k of order) {
        if (k === 0 && b !== null) out = adjustBrightness(out, c, hw, b);
        else if (k === 1 && ct !== null) out = adjustContrast(out, c, hw, ct);
        else if (k === 2 && s !== null) out = adjustSaturation(out, c, hw, s);
        else if (k === 3 && hu !== null) out = adjustHue(out, c, hw, hu);
      }
      return out === img ? null : out;
    });
  }

  /** torchvision-style description. */
  toString(): string {
    const parts: string[] = [];
    if (this.brightness) parts.push(`brightness=${rangeText(this.brightness)}`);
    if (this.contrast) parts.push(`contrast=${rangeText(this.contrast)}`);
    if (this.saturation) parts.push(`saturation=${rangeText(this.saturation)}`);
    if (this.hue) parts.push(`hue=${rangeText(this.hue)}`);
    return `ColorJitter(${parts.join(', ')})`;
  }
}

/** With probability p an image becomes grayscale (its luma in every channel; 1-channel images are unchanged). */
export class RandomGrayscale implements Transform {
  /** Probability per image. */
  readonly p: number;
  /** p defaults to 0.1 (torchvision). */
  constructor(p = 0.1) {
    this.p = checkP('RandomGrayscale', p);
  }
  /** Greys a random subset of the batch. */
  apply(x: Tensor): Tensor {
    return perImage('RandomGrayscale', x, (img, c, h, w) => {
      if (!(random() < this.p) || c === 1) return null;
      const g = grayscale(img, c, h * w);
      const out = new Float32Array(img.length);
      for (let ch = 0; ch < c; ch++) out.set(g, ch * h * w);
      return out;
    });
  }
  /** Description. */
  toString(): string {
    return `RandomGrayscale(p=${num(this.p)})`;
  }
}

/** With probability p (default 1, as torchvision v2's RandomChannelPermutation) an image's channels are shuffled. */
export class RandomChannelPermutation implements Transform {
  /** Probability per image. */
  readonly p: number;
  /** p: probability per image (default 1). */
  constructor(p = 1) {
    this.p = checkP('RandomChannelPermutation', p);
  }
  /** Permutes the channels of a random subset of the batch. */
  apply(x: Tensor): Tensor {
    return perImage('RandomChannelPermutation', x, (img, c, h, w) => {
      if (!(random() < this.p) || c === 1) return null;
      const perm = randperm(c);
      const out = new Float32Array(img.length);
      for (let ch = 0; ch < c; ch++) out.set(img.subarray(perm[ch] * h * w, (perm[ch] + 1) * h * w), ch * h * w);
      return out;
    });
  }
  /** Description. */
  toString(): string {
    return `RandomChannelPermutation(p=${num(this.p)})`;
  }
}

/** Options of RandomChannelDropout. */
export interface RandomChannelDropoutOptions {
  /** Probability per image; default 0.5. */
  p?: number;
  /** Most channels dropped at once (1 .. C - 1); default 1. */
  maxDrop?: number;
  /** Value of dropped channels; default 0. */
  fill?: number;
}

/** With probability p, 1..maxDrop random channels of an image are set to fill (needs 2+ channels). */
export class RandomChannelDropout implements Transform {
  /** Probability per image. */
  readonly p: number;
  /** Most channels dropped. */
  readonly maxDrop: number;
  /** Value of dropped channels. */
  readonly fill: number;
  /** See RandomChannelDropoutOptions. */
  constructor(options: RandomChannelDropoutOptions = {}) {
    this.p = checkP('RandomChannelDropout', options.p ?? 0.5);
    const m = options.maxDrop ?? 1;
    if (!Number.isInteger(m) || m < 1)
      throw new RangeError(`RandomChannelDropout: maxDrop must be an integer >= 1, got ${String(m)}`);
    this.maxDrop = m;
    this.fill = checkMin('RandomChannelDropout', 'fill', options.fill ?? 0, -Infinity);
  }
  /** Drops channels of a random subset of the batch. */
  apply(x: Tensor): Tensor {
    if (x.ndim === 4 && x.shape[1] < 2)
      throw new RangeError(
        `RandomChannelDropout: needs images with 2 or more channels, got shape [${x.shape.join(', ')}] (drop channels of RGB data only)`,
      );
    return perImage('RandomChannelDropout', x, (img, c, h, w) => {
      if (!(random() < this.p)) return null;
      const k = 1 + randint(Math.min(this.maxDrop, c - 1));
      const perm = randperm(c);
      const out = img.slice();
      for (let t = 0; t < k; t++) out.fill(this.fill, perm[t] * h * w, (perm[t] + 1) * h * w);
      return out;
    });
  }
  /** Description. */
  toString(): string {
    return `RandomChannelDropout(p=${num(this.p)}, maxDrop=${this.maxDrop})`;
  }
}

/** Options of GaussianBlur. */
export interface GaussianBlurOptions {
  /** Sigma drawn uniformly per image from this range (or fixed when a number); default [0.1, 2]. */
  sigma?: number | readonly [number, number];
  /** Probability of blurring an image; default 1 (torchvision's GaussianBlur always blurs). */
  p?: number;
}

/** Gaussian blur with a random sigma per image (torchvision's GaussianBlur, reflect padding). */
export class GaussianBlur implements Transform {
  /** Kernel [width, height] (odd). */
  readonly kernelSize: readonly [number, number];
  /** Sigma range. */
  readonly sigma: readonly [number, number];
  /** Probability per image. */
  readonly p: number;
  /** kernelSize: odd side or [width, height]. */
  constructor(kernelSize: number | readonly [number, number], options: GaussianBlurOptions = {}) {
    const k: [number, number] =
      typeof kernelSize === 'number' ? [kernelSize, kernelSize] : [kernelSize[0], kernelSize[1]];
    if (k.some((v) => !Number.isInteger(v) || v < 1 || v % 2 === 0))
      throw new RangeError(`GaussianBlur: kernelSize must be odd positive integers, got ${String(kernelSize)}`);
    const s = options.sigma ?? [0.1, 2];
    const r: [number, number] = typeof s === 'number' ? [s, s] : [s[0], s[1]];
    if (!(r[0] > 0 && r[0] <= r[1] && Number.isFinite(r[1])))
      throw new RangeError(`GaussianBlur: sigma must be > 0 (a number or [lo, hi] with lo <= hi), got ${String(s)}`);
    this.kernelSize = k;
    this.sigma = r;
    this.p = checkP('GaussianBlur', options.p ?? 1);
  }
  /** Blurs (a random subset of) the batch. */
  apply(x: Tensor): Tensor {
    return perImage('GaussianBlur', x, (img, c, h, w) => {
      if (this.p < 1 && !(random() < this.p)) return null;
      const s = uniform(this.sigma[0], this.sigma[1]);
      return gaussianBlur(img, c, h, w, this.kernelSize, [s, s]);
    });
  }
  /** torchvision-style description. */
  toString(): string {
    return `GaussianBlur(kernel_size=(${this.kernelSize.join(', ')}), sigma=${rangeText(this.sigma)}${this.p < 1 ? `, p=${num(this.p)}` : ''})`;
  }
}

/** Options of RandomErasing (torchvision's arguments). */
export interface RandomErasingOptions {
  /** Probability of erasing a region of an image; default 0.5. */
  p?: number;
  /** Range of the erased area as a fraction of the image; default [0.02, 0.33]. */
  scale?: readonly [number, number];
  /** Range of the region's aspect ratio h/w (log-uniform); default [0.3, 3.3]. */
  ratio?: readonly [number, number];
  /** Erased value: a number, one per channel, or 'random' (standard normal noise); default 0. */
  value?: number | readonly number[] | 'random';
}

/** Erases a random rectangle of each image with probability p (torchvision's RandomErasing; Cutout with random sizes). */
export class RandomErasing implements Transform {
  /** Probability of erasing per image. */
  readonly p: number;
  /** Range of the erased area as a fraction of the image area. */
  readonly scale: readonly [number, number];
  /** Range of the region's aspect ratio h/w. */
  readonly ratio: readonly [number, number];
  /** Erased value: a number, one per channel, or 'random' (standard normal noise). */
  readonly value: number | readonly number[] | 'random';
  /** See RandomErasingOptions. */
  constructor(options: RandomErasingOptions = {}) {
    const op = 'RandomErasing';
    this.p = checkP(op, options.p ?? 0.5);
    this.scale = toRange(op, 'scale', options.scale ?? [0.02, 0.33], 0, 0, 1);
    this.ratio = toRange(op, 'ratio', options.ratio ?? [0.3, 3.3], 1, 0);
    if (!(this.ratio[0] > 0)) throw new RangeError(`${op}: ratio must be positive, got [${this.ratio.join(', ')}]`);
    const v = options.value ?? 0;
    if (v !== 'random' && (typeof v === 'number' ? !Number.isFinite(v) : v.some((e) => !Number.isFinite(e))))
      throw new RangeError(`${op}: value must be a finite number, one per channel, or 'random', got ${String(v)}`);
    this.value = typeof v === 'object' ? [...v] : v;
  }
  /** torchvision's get_params: [top, left, height, width] or null when ten tries find no region. */
  sampleBox(h: number, w: number): [number, number, number, number] | null {
    const area = h * w;
    const l0 = Math.log(this.ratio[0]),
      l1 = Math.log(this.ratio[1]);
    for (let t = 0; t < 10; t++) {
      const a = area * uniform(this.scale[0], this.scale[1]);
      const aspect = Math.exp(uniform(l0, l1));
      const eh = Math.round(Math.sqrt(a * aspect)),
        ew = Math.round(Math.sqrt(a / aspect));
      if (!(eh < h && ew < w)) continue;
      return [randint(h - eh + 1), randint(w - ew + 1), eh, ew];
    }
    return null;
  }
  /** Erases a region in a random subset of the batch. */
  apply(x: Tensor): Tensor {
    const value = this.value;
    return perImage('RandomErasing', x, (img, c, h, w) => {
      if (!(random() < this.p)) return null;
      const box = this.sampleBox(h, w);
      if (!box) return null;
      if (Array.isArray(value) && value.length !== 1 && value.length !== c)
        throw new RangeError(`RandomErasing: value has ${value.length} entries but the images have ${c} channels`);
      const [top, left, eh, ew] = box;
      const out = img.slice();
      for (let ch = 0; ch < c; ch++) {
        const v = typeof value === 'number' ? value : Array.isArray(value) ? (value[ch] ?? value[0]) : 0;
        for (let i = top; i < top + eh; i++)
          for (let j = left; j < left + ew; j++) out[ch * h * w + i * w + j] = value === 'random' ? randomNormal() : v;
      }
      return out;
    });
  }
  /** torchvision-style description. */
  toString(): string {
    return `RandomErasing(p=${num(this.p)}, scale=${rangeText(this.scale)}, ratio=${rangeText(this.ratio)}, value=${String(this.value)})`;
  }
}

/** Options of Cutout. */
export interface CutoutOptions {
  /** Side of the square as a fraction of the smaller image side, in (0, 1]; default 0.5. */
  size?: number;
  /** Probability per image; default 1. */
  p?: number;
  /** Value of the cut pixels; default 0. */
  fill?: number;
}

/** Cutout (DeVries & Taylor 2017): a square of fixed size at a uniformly random centre, clipped at the border. */
export class Cutout implements Transform {
  /** Side of the square as a fraction of the smaller image side. */
  readonly size: number;
  /** Probability per image. */
  readonly p: number;
  /** Value of the cut pixels. */
  readonly fill: number;
  /** See CutoutOptions. */
  constructor(options: CutoutOptions = {}) {
    const s = options.size ?? 0.5;
    if (!(s > 0 && s <= 1)) throw new RangeError(`Cutout: size must be a fraction in (0, 1], got ${String(s)}`);
    this.size = s;
    this.p = checkP('Cutout', options.p ?? 1);
    this.fill = checkMin('Cutout', 'fill', options.fill ?? 0, -Infinity);
  }
  /** Cuts a square out of (a random subset of) the batch. */
  apply(x: Tensor): Tensor {
    return perImage('Cutout', x, (img, c, h, w) => {
      if (this.p < 1 && !(random() < this.p)) return null;
      const side = Math.max(1, Math.round(this.size * Math.min(h, w)));
      const cy = randint(h),
        cx = randint(w);
      const y0 = Math.max(0, cy - Math.floor(side / 2)),
        y1 = Math.min(h, cy - Math.floor(side / 2) + side);
      const x0 = Math.max(0, cx - Math.floor(side / 2)),
        x1 = Math.min(w, cx - Math.floor(side / 2) + side);
      const out = img.slice();
      for (let ch = 0; ch < c; ch++)
        for (let i = y0; i < y1; i++) out.fill(this.fill, ch * h * w + i * w + x0, ch * h * w + i * w + x1);
      return out;
    });
  }
  /** Description. */
  toString(): string {
    return `Cutout(size=${num(this.size)}${this.p < 1 ? `, p=${num(this.p)}` : ''})`;
  }
}
