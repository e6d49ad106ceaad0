/**
 * Reconstruction targets for image-to-image models (autoencoder, U-Net): a dataset view whose
 * batches have the inputs themselves as targets (x → x), so fit() and evaluate() train and
 * score them with MSE. get(i) keeps the class label (nothing uses it for training).
 */
import { collate, type Batch, type Dataset, type Sample } from '../data/dataset.js';

/** The dataset's images as both inputs and targets. */
export class ReconstructionDataset implements Dataset {
  constructor(private readonly inner: Dataset) {}

  get length(): number {
    return this.inner.length;
  }

  get(i: number): Sample {
    return this.inner.get(i);
  }

  getBatch(indices: ArrayLike<number>): Batch {
    const { x } = this.inner.getBatch ? this.inner.getBatch(indices) : collate(this.inner, indices);
    return { x, y: x };
  }
}
