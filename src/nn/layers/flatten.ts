/** Reshaping layers: `Flatten` (feature maps to vectors before the dense head) and `Unflatten`. */
import { fmt, normAxis } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';

/** Flattens axes startDim..endDim (default 1..-1: (N, C, H, W) -> (N, C*H*W)). */
export class Flatten extends Module {
  static override readonly typeName: string = 'Flatten';

  /** A flatten layer over the given axis range. */
  constructor(
    /** First dim flattened (default 1, after the batch). */
    readonly startDim = 1,
    /** Last dim flattened (default -1). */
    readonly endDim = -1,
  ) {
    super();
  }
  /** Flattens x. */
  forward(x: Tensor): Tensor {
    const s = normAxis('Flatten', this.startDim, x.ndim),
      e = normAxis('Flatten', this.endDim, x.ndim);
    if (s > e)
      throw new RangeError(
        `Flatten: startDim ${this.startDim} comes after endDim ${this.endDim} for input ${fmt(x.shape)}`,
      );
    return x.flatten(s, e);
  }
  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/** Splits axis `dim` into `sizes` (e.g. (N, 784) -> (N, 1, 28, 28)). */
export class Unflatten extends Module {
  static override readonly typeName: string = 'Unflatten';

  /** The target sizes of the split axis (one entry may be -1). */
  readonly sizes: readonly number[];
  /** An unflatten layer. */
  constructor(
    /** The dim that is unflattened. */
    readonly dim: number,
    sizes: readonly number[],
  ) {
    super();
    if (
      sizes.length === 0 ||
      sizes.some((d) => !Number.isInteger(d) || (d < 1 && d !== -1)) ||
      sizes.filter((d) => d === -1).length > 1
    ) {
      throw new RangeError(`Unflatten: sizes ${fmt(sizes)} must be positive integers with at most one -1`);
    }
    this.sizes = Object.freeze([...sizes]);
  }
  /** Reshapes axis dim of x into sizes. */
  forward(x: Tensor): Tensor {
    const d = normAxis('Unflatten', this.dim, x.ndim);
    const known = this.sizes.reduce((a, b) => (b === -1 ? a : a * b), 1);
    const n = x.shape[d];
    if (this.sizes.includes(-1) ? n % known !== 0 : n !== known) {
      throw new RangeError(
        `Unflatten: axis ${this.dim} of input ${fmt(x.shape)} has size ${n}, which cannot be split into ${fmt(this.sizes)}`,
      );
    }
    return x.reshape([...x.shape.slice(0, d), ...this.sizes, ...x.shape.slice(d + 1)]);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, sizes=${fmt(this.sizes)}`;
  }
}
