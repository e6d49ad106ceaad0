/**
 * Runs [0, 1]-pixel augmentations on normalised data: undoes Normalize(mean, std), applies the
 * inner transform, normalises again. Colour jitter, clamping, fills and erasing then mean what
 * they mean in torchvision (where augmentation comes before Normalize in the pipeline).
 */
import { Tensor } from '../../tensor/tensor.js';
import { applyTransform, Normalize, type Transform, type TransformLike } from '../transforms.js';

/** Per-channel (or scalar) statistics the data were normalised with. */
export interface NormalizeStats {
  /** Mean per channel (one number: every channel). */
  mean: number | readonly number[];
  /** Standard deviation per channel (one number: every channel). */
  std: number | readonly number[];
}

/** Wraps a transform so it sees pixel values: x * std + mean -> inner -> (x - mean) / std. */
export class PixelSpace implements Transform {
  /** The transform run on pixel values. */
  readonly inner: TransformLike;
  /** The statistics (validated by Normalize). */
  private readonly stats: Normalize;

  /** stats: what the data were normalised with; inner: the augmentation. */
  constructor(stats: NormalizeStats, inner: TransformLike) {
    this.stats = new Normalize(stats.mean, stats.std);
    this.inner = inner;
  }

  /** Per-channel [mean, std] for a batch with c channels. */
  private channel(op: string, x: Tensor, ch: number): [number, number] {
    const { mean, std } = this.stats;
    const k = Math.max(mean.length, std.length);
    if (k !== 1 && k !== x.shape[1])
      throw new RangeError(
        `${op}: ${k} channel statistics given but the batch of shape [${x.shape.join(', ')}] has ${x.shape[1]} channels`,
      );
    return [mean.length === 1 ? mean[0] : mean[ch], std.length === 1 ? std[0] : std[ch]];
  }

  /** Augments a normalised batch (N, C, ...) in pixel space and returns it normalised. */
  apply(x: Tensor): Tensor {
    if (!(x.data instanceof Float32Array) || x.ndim < 2)
      throw new TypeError(`PixelSpace: expected a float32 batch (N, C, ...), got ${x.dtype} [${x.shape.join(', ')}]`);
    const n = x.shape[0],
      c = x.shape[1];
    const plane = x.size / Math.max(1, n * c);
    const src = x.data,
      pix = new Float32Array(src.length);
    for (let b = 0; b < n; b++)
      for (let ch = 0; ch < c; ch++) {
        const [m, s] = this.channel('PixelSpace', x, ch);
        const o = (b * c + ch) * plane;
        for (let i = o; i < o + plane; i++) pix[i] = src[i] * s + m;
      }
    const y = applyTransform(this.inner, new Tensor(pix, x.shape));
    if (!(y.data instanceof Float32Array) || y.ndim < 2 || y.shape[1] !== c)
      throw new RangeError(`PixelSpace: the inner transform must keep the channels, got [${y.shape.join(', ')}]`);
    // y is the inner transform's own output (or our temporary pix): normalise it in place
    const out = y.data,
      yn = y.shape[0],
      yPlane = y.size / Math.max(1, yn * c);
    for (let b = 0; b < yn; b++)
      for (let ch = 0; ch < c; ch++) {
        const [m, s] = this.channel('PixelSpace', x, ch);
        const inv = 1 / s,
          o = (b * c + ch) * yPlane;
        for (let i = o; i < o + yPlane; i++) out[i] = (out[i] - m) * inv;
      }
    return y;
  }

  /** Description. */
  toString(): string {
    return `${String(this.inner)} on pixels (data normalised with ${String(this.stats)})`;
  }
}
