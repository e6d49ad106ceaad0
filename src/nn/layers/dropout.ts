/** Dropout layers: active in training mode, the identity in eval mode. */
import type { Tensor } from '../../tensor/tensor.js';
import { dropout, dropout1d, dropout2d } from '../functional/dropout.js';
import { Module } from '../module.js';

function checkP(op: string, p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new RangeError(`${op}: dropout probability p must be in [0, 1], got ${String(p)}`);
}

/** Zeroes each element with probability p in training and scales the rest by 1/(1-p). */
export class Dropout extends Module {
  static override readonly typeName: string = 'Dropout';

  /**
   * Dropout with drop probability p (default 0.5).
   * @param p Probability of zeroing, in [0, 1).
   */
  constructor(readonly p = 0.5) {
    super();
    checkP('Dropout', p);
  }
  /** Applies dropout when training; returns x unchanged in eval mode. */
  forward(x: Tensor): Tensor {
    return dropout(x, { p: this.p, training: this.training });
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/** Zeroes whole feature maps of (N, C, H, W) input with probability p in training. */
export class Dropout2d extends Module {
  static override readonly typeName: string = 'Dropout2d';

  /**
   * Channel dropout with drop probability p (default 0.5).
   * @param p Probability of zeroing, in [0, 1).
   */
  constructor(readonly p = 0.5) {
    super();
    checkP('Dropout2d', p);
  }
  /** Applies channel dropout when training; identity in eval mode. */
  forward(x: Tensor): Tensor {
    return dropout2d(x, { p: this.p, training: this.training });
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/** Zeroes whole channels of (N, C, L) input with probability p in training. */
export class Dropout1d extends Module {
  static override readonly typeName: string = 'Dropout1d';

  /**
   * Channel dropout with drop probability p (default 0.5).
   * @param p Probability of zeroing, in [0, 1).
   */
  constructor(readonly p = 0.5) {
    super();
    checkP('Dropout1d', p);
  }
  /** Applies channel dropout when training; identity in eval mode. */
  forward(x: Tensor): Tensor {
    return dropout1d(x, { p: this.p, training: this.training });
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
