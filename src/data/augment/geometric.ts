/**
 * Geometric augmentations beyond src/data/transforms.ts: RandomResizedCrop (torchvision's
 * scale/ratio sampling with its ten tries and centre-crop fallback, antialiased bilinear
 * resize) and PadCrop (RandomCrop back to the input size after zero padding, the CIFAR recipe,
 * with the padding defaulting to an eighth of the image side).
 */
import { Tensor } from '../../tensor/tensor.js';
import { resizedCrop } from './functional.js';
import { perImage } from './per-image.js';
import { checkMin, floatData, imageDims, num, randint, toRange, uniform } from './util.js';
import type { Transform } from '../transforms.js';

/** Options of RandomResizedCrop. */
export interface RandomResizedCropOptions {
  /** Range of the crop's area as a fraction of the image's; default [0.08, 1]. */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio width/height (drawn log-uniformly); default [3/4, 4/3]. */
  ratio?: readonly [number, number];
}

/**
 * Crops a random window (area fraction in `scale`, aspect ratio in `ratio`) and resizes it to
 * `size` (a side, [height, width], or null = each batch's own size), per image; as torchvision's
 * RandomResizedCrop with antialias=True.
 */
export class RandomResizedCrop implements Transform {
  /** Output [height, width], or null for the input size. */
  readonly size: readonly [number, number] | null;
  /** Area fraction range. */
  readonly scale: readonly [number, number];
  /** Aspect-ratio range. */
  readonly ratio: readonly [number, number];

  /** size: output side, [height, width], or null to keep each batch's size. */
  constructor(size: number | readonly [number, number] | null, options: RandomResizedCropOptions = {}) {
    const op = 'RandomResizedCrop';
    if (size !== null) {
      const [h, w] = typeof size === 'number' ? [size, size] : size;
      if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1)
        throw new RangeError(`${op}: size must be positive integers (or null for the input size), got ${String(size)}`);
      this.size = [h, w];
    } else this.size = null;
    this.scale = toRange(op, 'scale', options.scale ?? [0.08, 1], 1, 0, 1);
    this.ratio = toRange(op, 'ratio', options.ratio ?? [3 / 4, 4 / 3], 1, 0);
    if (!(this.scale[0] > 0 && this.ratio[0] > 0))
      throw new RangeError(
        `${op}: scale and ratio must be positive, got scale [${this.scale.join(', ')}] and ratio [${this.ratio.join(', ')}]`,
      );
  }

  /** torchvision's get_params: the crop box [top, left, height, width] for an h x w image. */
  sampleBox(h: number, w: number): [number, number, number, number] {
    const area = h * w;
    const logLo = Math.log(this.ratio[0]),
      logHi = Math.log(this.ratio[1]);
    for (let attempt = 0; attempt < 10; attempt++) {
      const target = area * uniform(this.scale[0], this.scale[1]);
      const aspect = Math.exp(uniform(logLo, logHi));
      const cw = Math.round(Math.sqrt(target * aspect)),
        ch = Math.round(Math.sqrt(target / aspect));
      if (cw > 0 && cw <= w && ch > 0 && ch <= h) return [randint(h - ch + 1), randint(w - cw + 1), ch, cw];
    }
    // fallback: the central crop with the ratio clamped into range
    const inRatio = w / h;
    let cw = w,
      ch = h;
    if (inRatio < this.ratio[0]) ch = Math.round(w / this.ratio[0]);
    else if (inRatio > this.ratio[1]) cw = Math.round(h * this.ratio[1]);
    return [Math.floor((h - ch) / 2), Math.floor((w - cw) / 2), ch, cw];
  }

  /** Crops and resizes every image of the batch (N, C, H, W). */
  apply(x: Tensor): Tensor {
    const src = floatData('RandomResizedCrop', x);
    const [n, c, h, w] = imageDims('RandomResizedCrop', x);
    const [oh, ow] = this.size ?? [h, w];
    const out = new Float32Array(n * c * oh * ow);
    const size = c * h * w;
    for (let b = 0; b < n; b++) {
      const box = this.sampleBox(h, w);
      out.set(resizedCrop(src.subarray(b * size, (b + 1) * size), c, h, w, box, oh, ow), b * c * oh * ow);
    }
    return new Tensor(out, [n, c, oh, ow]);
  }

  /** torchvision-style description. */
  toString(): string {
    const s = this.size ? `(${this.size.join(', ')})` : 'input';
    return `RandomResizedCrop(size=${s}, scale=(${this.scale.map(num).join(', ')}), ratio=(${this.ratio.map(num).join(', ')}))`;
  }
}

/**
 * Zero-pads each image by `padding` pixels per side and crops a random window of the input size
 * (RandomCrop(size, padding) without having to know the size); padding null means
 * round(min(H, W) / 8), e.g. 4 for 28x28 and 32x32 images.
 */
export class PadCrop implements Transform {
  /** Pixels per side, or null for an eighth of the smaller side. */
  readonly padding: number | null;
  /** Value of the padded pixels. */
  readonly fill: number;

  /** padding: pixels per side (null: an eighth of the image side); fill: padded value (default 0). */
  constructor(padding: number | null = null, fill = 0) {
    if (padding !== null && (!Number.isInteger(padding) || padding < 0))
      throw new RangeError(`PadCrop: padding must be a non-negative integer (or null), got ${String(padding)}`);
    checkMin('PadCrop', 'fill', fill, -Infinity);
    this.padding = padding;
    this.fill = fill;
  }

  /** Shifts every image by a random offset within the padding, filling what comes in. */
  apply(x: Tensor): Tensor {
    const p = this.padding ?? Math.round(Math.min(x.shape[2] ?? 0, x.shape[3] ?? 0) / 8);
    const fill = this.fill;
    return perImage('PadCrop', x, (img, c, h, w) => {
      const dy = randint(2 * p + 1) - p,
        dx = randint(2 * p + 1) - p;
      if (dy === 0 && dx === 0) return null;
      const out = new Float32Array(img.length).fill(fill);
      for (let ch = 0; ch < c; ch++) {
        const o = ch * h * w;
        for (let i = 0; i < h; i++) {
          const si = i + dy;
          if (si < 0 || si >= h) continue;
          const j0 = Math.max(0, -dx),
            j1 = Math.min(w, w - dx);
          if (j1 > j0) out.set(img.subarray(o + si * w + j0 + dx, o + si * w + j1 + dx), o + i * w + j0);
        }
      }
      return out;
    });
  }

  /** Description. */
  toString(): string {
    return `RandomCrop(size=input, padding=${this.padding ?? 'side/8'})`;
  }
}
