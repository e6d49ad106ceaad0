/**
 * ByteImageDataset: decoded images kept in memory as 8-bit values (one byte per channel value,
 * a quarter of float32), converted to float32 in [0, 1] when read. This lets a whole image
 * folder such as EuroSAT (27,000 RGB 64x64 images: 332 MB as bytes, 1.3 GB as floats) be
 * decoded once and then iterated epoch after epoch without decoding again.
 */
import { Tensor } from '../tensor/tensor.js';
import { fmt, sizeOf } from '../tensor/shape.js';
import { checkIndex, type Batch, type Dataset, type Sample } from './dataset.js';

/** Images (N, ...shape) as bytes with int32 labels; see the file comment. */
export class ByteImageDataset implements Dataset {
  /** Shape of one image, e.g. [3, 64, 64]. */
  readonly shape: readonly number[];
  /** Class names (index = label), if given. */
  readonly classes?: readonly string[];
  private readonly bytes: Uint8Array;
  private readonly labels: Int32Array;
  private readonly per: number;

  /** bytes holds labels.length images of `shape`, row-major, values 0..255 (= v / 255). */
  constructor(bytes: Uint8Array, labels: Int32Array, shape: readonly number[], classes?: readonly string[]) {
    this.per = sizeOf(shape);
    if (bytes.length !== labels.length * this.per)
      throw new RangeError(
        `ByteImageDataset: ${bytes.length} bytes do not hold ${labels.length} images of shape ${fmt(shape)} (${labels.length * this.per} bytes)`,
      );
    this.bytes = bytes;
    this.labels = labels;
    this.shape = [...shape];
    if (classes) this.classes = [...classes];
  }

  /**
   * Quantises float images in [0, 1] (each of `shape`) to bytes, round(v * 255) clamped:
   * exact for images decoded from 8-bit files, within 0.5 / 255 for resized ones.
   */
  static fromImages(
    images: readonly Tensor[],
    labels: ArrayLike<number>,
    classes?: readonly string[],
  ): ByteImageDataset {
    if (images.length === 0) throw new RangeError('ByteImageDataset.fromImages: no images');
    const shape = images[0].shape,
      per = images[0].size;
    const bytes = new Uint8Array(images.length * per);
    images.forEach((img, k) => {
      if (img.size !== per || img.shape.some((d, j) => d !== shape[j]))
        throw new RangeError(
          `ByteImageDataset.fromImages: image ${k} has shape ${fmt(img.shape)}, image 0 ${fmt(shape)}`,
        );
      quantize(img.data, bytes, k * per);
    });
    return new ByteImageDataset(bytes, Int32Array.from(labels), shape, classes);
  }

  /** Number of images. */
  get length(): number {
    return this.labels.length;
  }

  /** Image i as float32 in [0, 1] with its label. */
  get(i: number): Sample {
    checkIndex('ByteImageDataset.get', i, this.length);
    const x = new Float32Array(this.per);
    const off = i * this.per;
    for (let k = 0; k < this.per; k++) x[k] = this.bytes[off + k] / 255;
    return { x: new Tensor(x, this.shape), y: this.labels[i] };
  }

  /** The images at indices as one float32 batch (N, ...shape) and their labels. */
  getBatch(indices: ArrayLike<number>): Batch {
    const n = indices.length,
      per = this.per;
    const x = new Float32Array(n * per),
      y = new Int32Array(n);
    for (let b = 0; b < n; b++) {
      const i = indices[b];
      checkIndex('ByteImageDataset.getBatch', i, this.length);
      const src = i * per,
        dst = b * per;
      for (let k = 0; k < per; k++) x[dst + k] = this.bytes[src + k] / 255;
      y[b] = this.labels[i];
    }
    return { x: new Tensor(x, [n, ...this.shape]), y: new Tensor(y, [n]) };
  }
}

/** Writes round(v * 255), clamped to 0..255, of every value into out from offset. */
export function quantize(values: ArrayLike<number>, out: Uint8Array, offset: number): void {
  for (let k = 0; k < values.length; k++) {
    const v = Math.round(values[k] * 255);
    out[offset + k] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
}
