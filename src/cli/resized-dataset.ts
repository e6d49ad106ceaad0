/**
 * A dataset view whose images are resized (bilinear, half-pixel centres, as
 * torch.nn.functional.interpolate with align_corners=False) to the size a model needs, e.g.
 * MNIST's 28x28 digits at 64x64 for AlexNet. Image-shaped targets (segmentation masks) are
 * resized with them (bilinear: soft edges, which BCE and IoU's 0.5 threshold accept); class
 * labels pass through.
 */
import { collate, type Batch, type Dataset, type Sample } from '../data/dataset.js';
import { resizeBilinear } from '../vision/image.js';

/** The samples of `inner` with every (C, H, W) input resized to size = [H', W']. */
export class ResizedDataset implements Dataset {
  /** Target height and width. */
  readonly size: readonly [number, number];

  /** Wraps inner; its inputs must be (C, H, W) images. */
  constructor(
    private readonly inner: Dataset,
    size: readonly [number, number],
  ) {
    const [h, w] = size;
    if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1)
      throw new RangeError(`ResizedDataset: size must be two positive integers, got [${size.join(', ')}]`);
    this.size = [h, w];
  }

  /** Number of samples. */
  get length(): number {
    return this.inner.length;
  }

  /** Class names of the underlying dataset. */
  get classes(): readonly string[] | undefined {
    return this.inner.classes;
  }

  /** Sample i with its image resized. */
  get(i: number): Sample {
    const s = this.inner.get(i);
    if (s.x.ndim !== 3)
      throw new RangeError(`ResizedDataset: sample ${i} has shape [${s.x.shape.join(', ')}], expected (C, H, W)`);
    const [h, w] = this.size;
    const x = resizeBilinear(s.x, h, w);
    return s.target && s.target.ndim === 3 ? { x, y: s.y, target: resizeBilinear(s.target, h, w) } : { x, y: s.y };
  }

  /** The batch at indices with its images (and image-shaped targets) resized. */
  getBatch(indices: ArrayLike<number>): Batch {
    const b = this.inner.getBatch ? this.inner.getBatch(indices) : collate(this.inner, indices);
    const [h, w] = this.size;
    return { x: resizeBilinear(b.x, h, w), y: b.y.ndim === 4 ? resizeBilinear(b.y, h, w) : b.y };
  }
}
