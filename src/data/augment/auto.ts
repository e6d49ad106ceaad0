/**
 * Automatic augmentation policies with torchvision's operation lists and magnitude tables:
 * RandAugment (Cubuk et al. 2020: numOps random operations per image at one fixed magnitude)
 * and TrivialAugmentWide (Müller & Hutter 2021: one random operation at a random magnitude).
 * Geometric operations use nearest sampling and fill 0 (torchvision's defaults); posterize and
 * equalize work on the 8-bit levels of the [0, 1] image, solarize thresholds are in [0, 1].
 */
import type { Tensor } from '../../tensor/tensor.js';
import {
  adjustBrightness,
  adjustContrast,
  adjustSaturation,
  adjustSharpness,
  affine,
  autocontrast,
  equalize,
  posterize,
  solarize,
} from './functional.js';
import { perImage } from './per-image.js';
import { checkMin, randint } from './util.js';
import type { Transform } from '../transforms.js';

/** The operations both policies draw from (torchvision's names). */
export const AUTO_AUGMENT_OPS = [
  'Identity',
  'ShearX',
  'ShearY',
  'TranslateX',
  'TranslateY',
  'Rotate',
  'Brightness',
  'Color',
  'Contrast',
  'Sharpness',
  'Posterize',
  'Solarize',
  'AutoContrast',
  'Equalize',
] as const;

/** One operation name. */
export type AutoAugmentOp = (typeof AUTO_AUGMENT_OPS)[number];

/** Magnitude table of one op: the values per bin, and whether a random sign applies. */
type Space = Record<AutoAugmentOp, [number[], boolean]>;

function linspace(a: number, b: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? a : a + ((b - a) * i) / (n - 1)));
}

function posterizeBits(bins: number, div: number): number[] {
  return Array.from({ length: bins }, (_, i) => 8 - Math.round(i / ((bins - 1) / div)));
}

/** torchvision's RandAugment._augmentation_space. */
function randAugmentSpace(bins: number, h: number, w: number): Space {
  return {
    Identity: [[0], false],
    ShearX: [linspace(0, 0.3, bins), true],
    ShearY: [linspace(0, 0.3, bins), true],
    TranslateX: [linspace(0, (150 / 331) * w, bins), true],
    TranslateY: [linspace(0, (150 / 331) * h, bins), true],
    Rotate: [linspace(0, 30, bins), true],
    Brightness: [linspace(0, 0.9, bins), true],
    Color: [linspace(0, 0.9, bins), true],
    Contrast: [linspace(0, 0.9, bins), true],
    Sharpness: [linspace(0, 0.9, bins), true],
    Posterize: [posterizeBits(bins, 4), false],
    Solarize: [linspace(1, 0, bins), false],
    AutoContrast: [[0], false],
    Equalize: [[0], false],
  };
}

/** torchvision's TrivialAugmentWide._augmentation_space. */
function trivialAugmentSpace(bins: number): Space {
  return {
    Identity: [[0], false],
    ShearX: [linspace(0, 0.99, bins), true],
    ShearY: [linspace(0, 0.99, bins), true],
    TranslateX: [linspace(0, 32, bins), true],
    TranslateY: [linspace(0, 32, bins), true],
    Rotate: [linspace(0, 135, bins), true],
    Brightness: [linspace(0, 0.99, bins), true],
    Color: [linspace(0, 0.99, bins), true],
    Contrast: [linspace(0, 0.99, bins), true],
    Sharpness: [linspace(0, 0.99, bins), true],
    Posterize: [posterizeBits(bins, 6), false],
    Solarize: [linspace(1, 0, bins), false],
    AutoContrast: [[0], false],
    Equalize: [[0], false],
  };
}

/** Applies one operation at magnitude m to an image (torchvision's _apply_op, fill 0, nearest sampling). */
export function applyAutoOp(
  op: AutoAugmentOp,
  img: Float32Array,
  c: number,
  h: number,
  w: number,
  m: number,
): Float32Array {
  const hw = h * w;
  const deg = (v: number): number => (Math.atan(v) * 180) / Math.PI;
  const base = { angle: 0, translate: [0, 0] as [number, number], scale: 1, shear: [0, 0] as [number, number] };
  switch (op) {
    case 'Identity':
      return img.slice();
    case 'ShearX':
      return affine(img, c, h, w, { ...base, shear: [deg(m), 0], center: [0, 0] }, 'nearest', 0);
    case 'ShearY':
      return affine(img, c, h, w, { ...base, shear: [0, deg(m)], center: [0, 0] }, 'nearest', 0);
    case 'TranslateX':
      return affine(img, c, h, w, { ...base, translate: [Math.trunc(m), 0] }, 'nearest', 0);
    case 'TranslateY':
      return affine(img, c, h, w, { ...base, translate: [0, Math.trunc(m)] }, 'nearest', 0);
    case 'Rotate':
      return affine(img, c, h, w, { ...base, angle: -m }, 'nearest', 0); // F.rotate(angle) = affine(-angle)
    case 'Brightness':
      return adjustBrightness(img, c, hw, 1 + m);
    case 'Color':
      return adjustSaturation(img, c, hw, 1 + m);
    case 'Contrast':
      return adjustContrast(img, c, hw, 1 + m);
    case 'Sharpness':
      return adjustSharpness(img, c, h, w, 1 + m);
    case 'Posterize':
      return posterize(img, Math.trunc(m));
    case 'Solarize':
      return solarize(img, m);
    case 'AutoContrast':
      return autocontrast(img, c, hw);
    case 'Equalize':
      return equalize(img, c, hw);
  }
}

function checkBins(op: string, bins: number): number {
  if (!Number.isInteger(bins) || bins < 2)
    throw new RangeError(`${op}: numMagnitudeBins must be an integer >= 2, got ${String(bins)}`);
  return bins;
}

/** Options of RandAugment (torchvision's defaults). */
export interface RandAugmentOptions {
  /** Operations per image; default 2. */
  numOps?: number;
  /** Magnitude bin in [0, numMagnitudeBins); default 9. */
  magnitude?: number;
  /** Number of magnitude bins; default 31. */
  numMagnitudeBins?: number;
}

/** RandAugment: numOps operations drawn uniformly per image, each at the fixed magnitude with a random sign. */
export class RandAugment implements Transform {
  /** Operations applied per image. */
  readonly numOps: number;
  /** Magnitude bin, in [0, numMagnitudeBins). */
  readonly magnitude: number;
  /** Number of magnitude bins. */
  readonly numMagnitudeBins: number;
  /** See RandAugmentOptions. */
  constructor(options: RandAugmentOptions = {}) {
    const op = 'RandAugment';
    this.numMagnitudeBins = checkBins(op, options.numMagnitudeBins ?? 31);
    const n = options.numOps ?? 2;
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`${op}: numOps must be an integer >= 0, got ${String(n)}`);
    const m = checkMin(op, 'magnitude', options.magnitude ?? 9, 0);
    if (!Number.isInteger(m) || m >= this.numMagnitudeBins)
      throw new RangeError(`${op}: magnitude must be an integer bin in [0, ${this.numMagnitudeBins - 1}], got ${m}`);
    this.numOps = n;
    this.magnitude = m;
  }
  /** Augments every image of the batch (N, C, H, W). */
  apply(x: Tensor): Tensor {
    const h = x.shape[2] ?? 0,
      w = x.shape[3] ?? 0;
    const space = randAugmentSpace(this.numMagnitudeBins, h, w);
    return perImage('RandAugment', x, (img, c) => {
      let out = img;
      for (let k = 0; k < this.numOps; k++) {
        const name = AUTO_AUGMENT_OPS[randint(AUTO_AUGMENT_OPS.length)];
        const [mags, signed] = space[name];
        let m = mags.length > 1 ? mags[this.magnitude] : 0;
        if (signed && randint(2)) m = -m;
        out = applyAutoOp(name, out, c, h, w, m);
      }
      return out;
    });
  }
  /** torchvision-style description. */
  toString(): string {
    return `RandAugment(num_ops=${this.numOps}, magnitude=${this.magnitude}, num_magnitude_bins=${this.numMagnitudeBins})`;
  }
}

/** TrivialAugmentWide: one operation per image at a uniformly random magnitude bin (with a random sign). */
export class TrivialAugmentWide implements Transform {
  /** Number of magnitude bins the magnitude is drawn from. */
  readonly numMagnitudeBins: number;
  /** numMagnitudeBins defaults to 31. */
  constructor(options: { numMagnitudeBins?: number } = {}) {
    this.numMagnitudeBins = checkBins('TrivialAugmentWide', options.numMagnitudeBins ?? 31);
  }
  /** Augments every image of the batch (N, C, H, W). */
  apply(x: Tensor): Tensor {
    const space = trivialAugmentSpace(this.numMagnitudeBins);
    return perImage('TrivialAugmentWide', x, (img, c, h, w) => {
      const name = AUTO_AUGMENT_OPS[randint(AUTO_AUGMENT_OPS.length)];
      const [mags, signed] = space[name];
      let m = mags.length > 1 ? mags[randint(mags.length)] : 0;
      if (signed && randint(2)) m = -m;
      return applyAutoOp(name, img, c, h, w, m);
    });
  }
  /** torchvision-style description. */
  toString(): string {
    return `TrivialAugmentWide(num_magnitude_bins=${this.numMagnitudeBins})`;
  }
}
