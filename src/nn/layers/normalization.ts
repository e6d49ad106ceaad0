/**
 * Normalisation layers: BatchNorm1d/2d (per channel over the batch, running statistics as
 * buffers), LayerNorm (per sample) and LocalResponseNorm (AlexNet's cross-channel norm).
 * Parameters and buffers carry PyTorch's names (`weight`, `bias`, `running_mean`, `running_var`,
 * `num_batches_tracked`), so state dicts are interchangeable with torch.nn's.
 */
import { full } from '../../tensor/creation.js';
import { fmt } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { batchNorm, layerNorm, localResponseNorm, type LocalResponseNormOptions } from '../functional/normalization.js';
import { ones_, zeros_ } from '../init.js';
import { Module } from '../module.js';
import { checkOptionNames } from '../functional/conv-args.js';

/** Options of BatchNorm1d / BatchNorm2d (PyTorch defaults). */
export interface BatchNormOptions {
  /** Added to the variance for stability. Default 1e-5. */
  eps?: number;
  /** Weight of the new batch statistic in the running average; null = cumulative average. Default 0.1. */
  momentum?: number | null;
  /** Learn a per-channel scale (weight) and shift (bias). Default true. */
  affine?: boolean;
  /** Keep running mean/variance for evaluation. Default true (else batch statistics are always used). */
  trackRunningStats?: boolean;
}

/** Shared implementation of BatchNorm1d and BatchNorm2d. */
abstract class BatchNormNd extends Module {
  /** Per-channel scale gamma (ones at init), or null. */
  weight: Tensor | null;
  /** Per-channel shift beta (zeros at init), or null. */
  bias: Tensor | null;
  /** Running mean of each channel (buffer `running_mean`, PyTorch's name), or null. */
  running_mean: Tensor | null;
  /** Running (unbiased) variance of each channel (buffer `running_var`), or null. */
  running_var: Tensor | null;
  /** Number of training batches seen (int32 scalar buffer `num_batches_tracked`), or null. */
  num_batches_tracked: Tensor | null;
  /** Added to the variance for numerical stability. */
  readonly eps: number;
  /** Running-average factor (null = cumulative average). */
  readonly momentum: number | null;
  /** Whether weight and bias are learned. */
  readonly affine: boolean;
  /** Whether running statistics are kept. */
  readonly trackRunningStats: boolean;

  constructor(
    /** Channels (features) normalised. */
    readonly numFeatures: number,
    options: BatchNormOptions,
    op: string,
  ) {
    super();
    checkOptionNames(op, options, ['eps', 'momentum', 'affine', 'trackRunningStats']);
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true } = options;
    if (!Number.isInteger(numFeatures) || numFeatures <= 0)
      throw new RangeError(`${op}: numFeatures must be a positive integer, got ${String(numFeatures)}`);
    if (momentum !== null && !(momentum >= 0 && momentum <= 1))
      throw new RangeError(`${op}: momentum must be in [0, 1] or null, got ${String(momentum)}`);
    if (!(eps >= 0) || !Number.isFinite(eps))
      throw new RangeError(`${op}: eps must be a non-negative finite number, got ${String(eps)}`);
    for (const [name, v] of [
      ['affine', affine],
      ['trackRunningStats', trackRunningStats],
    ] as const) {
      if (typeof v !== 'boolean') throw new TypeError(`${op}: ${name} must be true or false, got ${String(v)}`);
    }
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    this.weight = this.registerParameter('weight', affine ? full([numFeatures], 1) : null);
    this.bias = this.registerParameter('bias', affine ? full([numFeatures], 0) : null);
    // PyTorch's buffer names: a torchvision state dict loads as is (src/nn/legacy-names.ts maps 0.1's)
    this.running_mean = this.registerBuffer('running_mean', trackRunningStats ? full([numFeatures], 0) : null);
    this.running_var = this.registerBuffer('running_var', trackRunningStats ? full([numFeatures], 1) : null);
    this.num_batches_tracked = this.registerBuffer(
      'num_batches_tracked',
      trackRunningStats ? new Tensor(new Int32Array(1), []) : null,
    );
  }

  /** The `running_mean` buffer under its camelCase name (same tensor; the state-dict key is `running_mean`). */
  get runningMean(): Tensor | null {
    return this.running_mean;
  }
  /** Replaces the `running_mean` buffer. */
  set runningMean(t: Tensor | null) {
    this.running_mean = t;
  }

  /** The `running_var` buffer under its camelCase name (same tensor). */
  get runningVar(): Tensor | null {
    return this.running_var;
  }
  /** Replaces the `running_var` buffer. */
  set runningVar(t: Tensor | null) {
    this.running_var = t;
  }

  /** The `num_batches_tracked` buffer under its camelCase name (same tensor). */
  get numBatchesTracked(): Tensor | null {
    return this.num_batches_tracked;
  }
  /** Replaces the `num_batches_tracked` buffer. */
  set numBatchesTracked(t: Tensor | null) {
    this.num_batches_tracked = t;
  }

  /** Resets running statistics (mean 0, variance 1, 0 batches). */
  resetRunningStats(): void {
    if (this.running_mean) zeros_(this.running_mean);
    if (this.running_var) ones_(this.running_var);
    if (this.num_batches_tracked) this.num_batches_tracked.data.fill(0);
  }

  /** Resets the running statistics and the affine parameters (weight 1, bias 0). */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  protected abstract checkInput(x: Tensor): void;

  /** Normalises with batch statistics (training, updating the running ones) or running statistics (eval). */
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    if (x.shape[1] !== this.numFeatures) {
      throw new RangeError(
        `${this.typeName}: input ${fmt(x.shape)} has ${x.shape[1]} channels but the layer has numFeatures=${this.numFeatures}`,
      );
    }
    let factor = this.momentum ?? 0;
    const useRunning = this.running_mean !== null;
    if (this.training && useRunning && this.num_batches_tracked) {
      this.num_batches_tracked.data[0] += 1;
      factor = this.momentum === null ? 1 / this.num_batches_tracked.data[0] : this.momentum;
    }
    const batchStats = this.training || !useRunning;
    return batchNorm(x, this.running_mean, this.running_var, this.weight, this.bias, {
      training: batchStats,
      momentum: factor,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/** Batch normalisation of (N, C) or (N, C, L) input (after Linear or Conv1d layers). */
export class BatchNorm1d extends BatchNormNd {
  static override readonly typeName: string = 'BatchNorm1d';

  /** A batch norm over numFeatures channels. */
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options, 'BatchNorm1d');
  }
  /** Refuses input that is not (N, C) or (N, C, L). */
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3)
      throw new RangeError(`BatchNorm1d: expected 2-D (N, C) or 3-D (N, C, L) input, got ${fmt(x.shape)}`);
  }
}

/** Batch normalisation of (N, C, H, W) feature maps (after Conv2d layers). */
export class BatchNorm2d extends BatchNormNd {
  static override readonly typeName: string = 'BatchNorm2d';

  /** A batch norm over numFeatures channels. */
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options, 'BatchNorm2d');
  }
  /** Refuses input that is not (N, C, H, W). */
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new RangeError(`BatchNorm2d: expected 4-D (N, C, H, W) input, got ${fmt(x.shape)}`);
  }
}

/** Options of LayerNorm. */
export interface LayerNormOptions {
  /** Added to the variance. Default 1e-5. */
  eps?: number;
  /** Learn weight and bias of shape normalizedShape. Default true. */
  elementwiseAffine?: boolean;
  /** Learn the bias (when elementwiseAffine). Default true. */
  bias?: boolean;
}

/** Normalises each sample over its trailing normalizedShape axes, then scales and shifts. */
export class LayerNorm extends Module {
  static override readonly typeName: string = 'LayerNorm';

  /** Scale (ones at init), or null. */
  weight: Tensor | null;
  /** Shift (zeros at init), or null. */
  bias: Tensor | null;
  /** The trailing shape normalised over. */
  readonly normalizedShape: readonly number[];
  /** Added to the variance for numerical stability. */
  readonly eps: number;

  /** A layer norm over the trailing axes normalizedShape. */
  constructor(
    normalizedShape: number | readonly number[],
    { eps = 1e-5, elementwiseAffine = true, bias = true }: LayerNormOptions = {},
  ) {
    super();
    const ns = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (ns.length === 0 || ns.some((d) => !Number.isInteger(d) || d <= 0))
      throw new RangeError(`LayerNorm: normalizedShape ${fmt(ns)} must be positive integers`);
    this.normalizedShape = Object.freeze(ns);
    this.eps = eps;
    this.weight = this.registerParameter('weight', elementwiseAffine ? full(ns, 1) : null);
    this.bias = this.registerParameter('bias', elementwiseAffine && bias ? full(ns, 0) : null);
  }

  /** Normalises x (..., ...normalizedShape). */
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, { eps: this.eps });
  }

  override extraRepr(): string {
    return `${fmt(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}

/** AlexNet's local response normalisation across `size` neighbouring channels. */
export class LocalResponseNorm extends Module {
  static override readonly typeName: string = 'LocalResponseNorm';

  /** Scale of the sum of squares. */
  readonly alpha: number;
  /** Exponent of the denominator. */
  readonly beta: number;
  /** Additive constant of the denominator. */
  readonly k: number;

  /** An LRN over `size` channels (PyTorch defaults alpha 1e-4, beta 0.75, k 1). */
  constructor(
    /** Neighbouring channels in the normalisation window. */
    readonly size: number,
    { alpha = 1e-4, beta = 0.75, k = 1 }: LocalResponseNormOptions = {},
  ) {
    super();
    if (!Number.isInteger(size) || size <= 0)
      throw new RangeError(`LocalResponseNorm: size must be a positive integer, got ${String(size)}`);
    this.alpha = alpha;
    this.beta = beta;
    this.k = k;
  }

  /** Normalises x (N, C, ...) across channels. */
  forward(x: Tensor): Tensor {
    return localResponseNorm(x, this.size, { alpha: this.alpha, beta: this.beta, k: this.k });
  }

  override extraRepr(): string {
    return `${this.size}, alpha=${this.alpha}, beta=${this.beta}, k=${this.k}`;
  }
}
