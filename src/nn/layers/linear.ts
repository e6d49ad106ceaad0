/** `Linear`: the fully connected (dense) layer y = x W^T + b. */
import { empty } from '../../tensor/alloc.js';
import type { Tensor } from '../../tensor/tensor.js';
import { linear } from '../functional/linear.js';
import { kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { checkOptionNames } from '../functional/conv-args.js';

/** Options of `Linear`. */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

function checkFeatures(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0)
    throw new RangeError(`${op}: ${name} must be a positive integer, got ${String(v)}`);
}

/**
 * Fully connected layer: weight (outFeatures, inFeatures), bias (outFeatures). PyTorch's default
 * init: weight kaimingUniform(a = sqrt(5)) = U(±1/sqrt(inFeatures)), bias U(±1/sqrt(inFeatures)).
 */
export class Linear extends Module {
  static override readonly typeName: string = 'Linear';

  /** Weight of shape (outFeatures, inFeatures). */
  weight: Tensor;
  /** Bias of shape (outFeatures), or null. */
  bias: Tensor | null;

  /** A dense layer mapping inFeatures to outFeatures. */
  constructor(
    /** Input features. */
    readonly inFeatures: number,
    /** Output features. */
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    checkOptionNames('Linear', options, ['bias']);
    const { bias = true } = options;
    checkFeatures('Linear', 'inFeatures', inFeatures);
    checkFeatures('Linear', 'outFeatures', outFeatures);
    if (typeof bias !== 'boolean') throw new TypeError(`Linear: bias must be true or false, got ${String(bias)}`);
    this.weight = this.registerParameter('weight', empty([outFeatures, inFeatures]));
    this.bias = this.registerParameter('bias', bias ? empty([outFeatures]) : null);
    this.resetParameters();
  }

  /** Re-draws the parameters with PyTorch's default initialisation. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const b = 1 / Math.sqrt(this.inFeatures);
      uniform_(this.bias, -b, b);
    }
  }

  /** y = x W^T + b for x of shape (..., inFeatures). */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
