/**
 * Runs [0, 1]-pixel augmentations on normalised data: undoes Normalize(mean, std), applies the
 * inner transform, normalises again. Colour jitter, clamping, fills and erasing then mean what
 * they mean in torchvision (where augmentation comes before Normalize in the pipeline).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { applyTransform, Normalize, type Transform, type TransformLike } from '../transforms.js';

/** Per-channel (or scalar) statistics the data were normalised with. */
export interface NormalizeStats {
  mean: number | readonly number[];
  std: number | readonly number[];
}

/** Wraps a transform so it sees pixel values: x * std + mean -> inner -> (x - mean) / std. */
export class PixelSpace implements Transform {
  /** The transform run on pixel values. */
  readonly inner: TransformLike;
  private readonly undo: Normalize;
  private readonly redo: Normalize;

  /** stats: what the data were normalised with; inner: the augmentation. */
  constructor(stats: NormalizeStats, inner: TransformLike) {
    this.redo = new Normalize(stats.mean, stats.std);
    this.undo = new Normalize(
      this.redo.mean.map((m, i) => -m / this.redo.std[this.redo.std.length === 1 ? 0 : i]),
      this.redo.std.map((s) => 1 / s),
    );
    if (this.redo.mean.length > 1 && this.redo.std.length === 1) {
      // one std for several means: spell the std out per channel so undo has matching lengths
      this.undo = new Normalize(
        this.redo.mean.map((m) => -m / this.redo.std[0]),
        this.redo.mean.map(() => 1 / this.redo.std[0]),
      );
    }
    this.inner = inner;
  }

  /** Augments a normalised batch in pixel space and returns it normalised. */
  apply(x: Tensor): Tensor {
    return this.redo.apply(applyTransform(this.inner, this.undo.apply(x)));
  }

  /** Description. */
  toString(): string {
    return `${String(this.inner)} on pixels (data normalised with ${String(this.redo)})`;
  }
}
