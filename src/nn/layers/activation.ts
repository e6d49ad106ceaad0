/** Activation layers: module wrappers of the pointwise nonlinearities and (log-)softmax. */
import type { Tensor } from '../../tensor/tensor.js';
import { relu, sigmoid, tanh } from '../../tensor/ops/elementwise.js';
import {
  elu,
  gelu,
  hardtanh,
  leakyRelu,
  relu6,
  selu,
  silu,
  softplus,
  type GeluOptions,
  type SoftplusOptions,
} from '../functional/activation.js';
import { logSoftmax, softmax, softmin } from '../functional/softmax.js';
import { Module } from '../module.js';

/** max(0, x). */
export class ReLU extends Module {
  static override readonly typeName: string = 'ReLU';

  /** Applies ReLU. */
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** max(0, x) + negativeSlope * min(0, x). */
export class LeakyReLU extends Module {
  static override readonly typeName: string = 'LeakyReLU';

  /**
   * A leaky ReLU with the given slope for negative inputs (default 0.01).
   * @param negativeSlope Slope for negative inputs.
   */
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  /** Applies leaky ReLU. */
  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** x for x > 0, alpha * (e^x - 1) otherwise. */
export class ELU extends Module {
  static override readonly typeName: string = 'ELU';

  /**
   * An ELU with the given alpha (default 1).
   * @param alpha Scale of the negative branch, alpha (exp(x) - 1).
   */
  constructor(readonly alpha = 1) {
    super();
  }
  /** Applies ELU. */
  forward(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** Gaussian error linear unit x * Phi(x) (exact, or the tanh approximation). */
export class GELU extends Module {
  static override readonly typeName: string = 'GELU';

  /** approximate: 'none' (default) or 'tanh'. */
  readonly approximate: NonNullable<GeluOptions['approximate']>;
  /** A GELU layer. */
  constructor({ approximate = 'none' }: GeluOptions = {}) {
    super();
    this.approximate = approximate;
  }
  /** Applies GELU. */
  forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return this.approximate === 'none' ? '' : `approximate='${this.approximate}'`;
  }
}

/** Logistic sigmoid 1 / (1 + e^-x). */
export class Sigmoid extends Module {
  static override readonly typeName: string = 'Sigmoid';

  /** Applies the sigmoid. */
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** Hyperbolic tangent. */
export class Tanh extends Module {
  static override readonly typeName: string = 'Tanh';

  /** Applies tanh. */
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** Softmax along `dim` (default -1, the last axis: the classes of an (N, C) batch). */
export class Softmax extends Module {
  static override readonly typeName: string = 'Softmax';

  /**
   * A softmax over the given axis.
   * @param dim The axis the function is taken over (default the last).
   */
  constructor(readonly dim = -1) {
    super();
  }
  /** Applies softmax. */
  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** log(softmax(x)) along `dim` (default -1), computed stably; pair with nllLoss. */
export class LogSoftmax extends Module {
  static override readonly typeName: string = 'LogSoftmax';

  /**
   * A log-softmax over the given axis.
   * @param dim The axis the function is taken over (default the last).
   */
  constructor(readonly dim = -1) {
    super();
  }
  /** Applies log-softmax. */
  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** softmax(-x) along `dim` (default -1). */
export class Softmin extends Module {
  static override readonly typeName: string = 'Softmin';

  /**
   * A softmin over the given axis.
   * @param dim The axis the function is taken over (default the last).
   */
  constructor(readonly dim = -1) {
    super();
  }
  /** Applies softmin. */
  forward(x: Tensor): Tensor {
    return softmin(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Smooth ReLU log(1 + e^(beta x)) / beta (linear above threshold). */
export class Softplus extends Module {
  static override readonly typeName: string = 'Softplus';

  /** Sharpness beta (default 1). */
  readonly beta: number;
  /** Above beta*x > threshold the function is linear (default 20). */
  readonly threshold: number;
  /** A softplus layer. */
  constructor({ beta = 1, threshold = 20 }: SoftplusOptions = {}) {
    super();
    this.beta = beta;
    this.threshold = threshold;
  }
  /** Applies softplus. */
  forward(x: Tensor): Tensor {
    return softplus(x, { beta: this.beta, threshold: this.threshold });
  }
  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** Clamps to [minVal, maxVal] (default [-1, 1]). */
export class Hardtanh extends Module {
  static override readonly typeName: string = 'Hardtanh';

  /** A hard tanh with the given limits. */
  constructor(
    /** Lower clipping bound. */
    readonly minVal = -1,
    /** Upper clipping bound. */
    readonly maxVal = 1,
  ) {
    super();
  }
  /** Applies hardtanh. */
  forward(x: Tensor): Tensor {
    return hardtanh(x, { minVal: this.minVal, maxVal: this.maxVal });
  }
  override extraRepr(): string {
    return `minVal=${this.minVal}, maxVal=${this.maxVal}`;
  }
}

/** min(max(0, x), 6). */
export class ReLU6 extends Module {
  static override readonly typeName: string = 'ReLU6';

  /** Applies ReLU6. */
  forward(x: Tensor): Tensor {
    return relu6(x);
  }
}

/** x * sigmoid(x) (swish). */
export class SiLU extends Module {
  static override readonly typeName: string = 'SiLU';

  /** Applies SiLU. */
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** SELU: scale * (x > 0 ? x : alpha * (e^x - 1)), PyTorch's fixed alpha and scale. */
export class SELU extends Module {
  static override readonly typeName: string = 'SELU';

  /** Applies SELU. */
  forward(x: Tensor): Tensor {
    return selu(x);
  }
}

/** Returns its input unchanged (a placeholder, e.g. an identity shortcut). */
export class Identity extends Module {
  static override readonly typeName: string = 'Identity';

  /** Returns x. */
  forward(x: Tensor): Tensor {
    return x;
  }
}
