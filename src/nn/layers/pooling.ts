/**
 * Pooling layers: max / average / power-average (Lp) windows, adaptive pools with a fixed
 * output size, global average pooling (GoogLeNet/ResNet heads) and max pooling across
 * channels (maxout). None has parameters.
 */
import type { Tensor } from '../../tensor/tensor.js';
import {
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveMaxPool1d,
  adaptiveMaxPool2d,
  type AdaptiveSize1,
  type AdaptiveSize2,
} from '../functional/adaptive-pool.js';
import { channelMaxPool } from '../functional/channel-pool.js';
import { intTuple, type Size1, type Size2 } from '../functional/conv-args.js';
import {
  avgPool1d,
  avgPool2d,
  checkPoolOptions,
  lpPool1d,
  lpPool2d,
  lpPoolArgs,
  maxPool1d,
  maxPool2d,
  type AvgPool1dOptions,
  type AvgPool2dOptions,
  type LPPool1dOptions,
  type LPPool2dOptions,
  type MaxPool1dOptions,
  type MaxPool2dOptions,
} from '../functional/pool.js';

export type { LPPool1dOptions, LPPool2dOptions };
import { fmt } from '../../tensor/shape.js';
import { Module } from '../module.js';

/** Checks an adaptive pool's outputSize at construction: positive integers (null keeps an input axis). */
function checkOutputSize(op: string, dims: number, v: unknown): void {
  const vals = Array.isArray(v) && v.length === dims ? v : [v];
  if (
    (Array.isArray(v) && v.length !== dims) ||
    vals.some((u) => u !== null && !(typeof u === 'number' && Number.isInteger(u) && u >= 1)) ||
    v === null
  ) {
    throw new TypeError(
      `${op}: outputSize must be a positive integer or a ${dims}-tuple of them${dims === 2 ? ' (null keeps the input size)' : ''}, got ${show(v)}`,
    );
  }
}

function show(v: unknown): string {
  return Array.isArray(v) ? fmt(v as number[]) : String(v);
}

function windowRepr(kernelSize: unknown, o: Record<string, unknown>): string {
  const parts = [`kernelSize=${show(kernelSize)}`, `stride=${show(o.stride ?? kernelSize)}`];
  for (const [k, v] of Object.entries(o)) if (k !== 'stride' && v !== undefined) parts.push(`${k}=${show(v)}`);
  return parts.join(', ');
}

/** Options of the max pooling layers (window size given separately). */
export type MaxPool2dLayerOptions = Omit<MaxPool2dOptions, 'kernelSize' | 'returnIndices'>;
/** Options of MaxPool1d. */
export type MaxPool1dLayerOptions = Omit<MaxPool1dOptions, 'kernelSize' | 'returnIndices'>;
/** Options of AvgPool2d. */
export type AvgPool2dLayerOptions = Omit<AvgPool2dOptions, 'kernelSize'>;
/** Options of AvgPool1d. */
export type AvgPool1dLayerOptions = Omit<AvgPool1dOptions, 'kernelSize'>;

/** 2-D max pooling; `new MaxPool2d(2)` halves H and W. */
export class MaxPool2d extends Module {
  static override readonly typeName: string = 'MaxPool2d';

  /** A max pool with the given window (stride defaults to the window). */
  constructor(
    /** Window size (one number for a square window, or [kH, kW]). */
    readonly kernelSize: Size2,
    /** Stride, padding, dilation and ceilMode, as given. */
    readonly options: MaxPool2dLayerOptions = {},
  ) {
    super();
    checkPoolOptions('MaxPool2d', 2, 'max', { ...options, kernelSize });
  }
  /** Pools x (N, C, H, W) or (C, H, W). */
  forward(x: Tensor): Tensor {
    return maxPool2d(x, { ...this.options, kernelSize: this.kernelSize });
  }
  override extraRepr(): string {
    return windowRepr(this.kernelSize, { ...this.options });
  }
}

/** 1-D max pooling over (N, C, L). */
export class MaxPool1d extends Module {
  static override readonly typeName: string = 'MaxPool1d';

  /** A 1-D max pool. */
  constructor(
    /** Window length. */
    readonly kernelSize: Size1,
    /** Stride, padding, dilation and ceilMode, as given. */
    readonly options: MaxPool1dLayerOptions = {},
  ) {
    super();
    checkPoolOptions('MaxPool1d', 1, 'max', { ...options, kernelSize });
  }
  /** Pools x (N, C, L) or (C, L). */
  forward(x: Tensor): Tensor {
    return maxPool1d(x, { ...this.options, kernelSize: this.kernelSize });
  }
  override extraRepr(): string {
    return windowRepr(this.kernelSize, { ...this.options });
  }
}

/** 2-D average pooling. */
export class AvgPool2d extends Module {
  static override readonly typeName: string = 'AvgPool2d';

  /** An average pool with the given window. */
  constructor(
    /** Window size (one number for a square window, or [kH, kW]). */
    readonly kernelSize: Size2,
    /** Stride, padding, ceilMode, countIncludePad and divisorOverride, as given. */
    readonly options: AvgPool2dLayerOptions = {},
  ) {
    super();
    checkPoolOptions('AvgPool2d', 2, 'avg', { ...options, kernelSize });
  }
  /** Pools x (N, C, H, W) or (C, H, W). */
  forward(x: Tensor): Tensor {
    return avgPool2d(x, { ...this.options, kernelSize: this.kernelSize });
  }
  override extraRepr(): string {
    return windowRepr(this.kernelSize, { ...this.options });
  }
}

/** 1-D average pooling. */
export class AvgPool1d extends Module {
  static override readonly typeName: string = 'AvgPool1d';

  /** A 1-D average pool. */
  constructor(
    /** Window length. */
    readonly kernelSize: Size1,
    /** Stride, padding, ceilMode and countIncludePad, as given. */
    readonly options: AvgPool1dLayerOptions = {},
  ) {
    super();
    checkPoolOptions('AvgPool1d', 1, 'avg', { ...options, kernelSize });
  }
  /** Pools x (N, C, L) or (C, L). */
  forward(x: Tensor): Tensor {
    return avgPool1d(x, { ...this.options, kernelSize: this.kernelSize });
  }
  override extraRepr(): string {
    return windowRepr(this.kernelSize, { ...this.options });
  }
}

/** Power-average pooling (sum x^p)^(1/p) over each window; normType 2 is L2 pooling. */
export class LPPool2d extends Module {
  static override readonly typeName: string = 'LPPool2d';

  /** An Lp pool of order normType. */
  constructor(
    /** The order p of the norm (1 sums the window, large p approaches max pooling). */
    readonly normType: number,
    /** Window size (one number for a square window, or [kH, kW]). */
    readonly kernelSize: Size2,
    /** Stride and ceilMode, as given. */
    readonly options: LPPool2dOptions = {},
  ) {
    super();
    lpPoolArgs('LPPool2d', 2, normType, kernelSize, options);
  }
  /** Pools x (N, C, H, W). */
  forward(x: Tensor): Tensor {
    return lpPool2d(x, this.normType, this.kernelSize, this.options);
  }
  override extraRepr(): string {
    return `normType=${this.normType}, ${windowRepr(this.kernelSize, { ...this.options })}`;
  }
}

/** 1-D power-average pooling over (N, C, L). */
export class LPPool1d extends Module {
  static override readonly typeName: string = 'LPPool1d';

  /** An Lp pool of order normType. */
  constructor(
    /** The order p of the norm (1 sums the window, large p approaches max pooling). */
    readonly normType: number,
    /** Window length. */
    readonly kernelSize: Size1,
    /** Stride and ceilMode, as given. */
    readonly options: LPPool1dOptions = {},
  ) {
    super();
    lpPoolArgs('LPPool1d', 1, normType, kernelSize, options);
  }
  /** Pools x (N, C, L). */
  forward(x: Tensor): Tensor {
    return lpPool1d(x, this.normType, this.kernelSize, this.options);
  }
  override extraRepr(): string {
    return `normType=${this.normType}, ${windowRepr(this.kernelSize, { ...this.options })}`;
  }
}

/** 1-D average pooling to a fixed output length. */
export class AdaptiveAvgPool1d extends Module {
  static override readonly typeName: string = 'AdaptiveAvgPool1d';

  /**
   * outputSize: the output length.
   * @param outputSize The output length (null keeps the input length).
   */
  constructor(readonly outputSize: AdaptiveSize1) {
    super();
    checkOutputSize('AdaptiveAvgPool1d', 1, outputSize);
  }
  /** Pools x (N, C, L) or (C, L) to outputSize. */
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool1d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `outputSize=${show(this.outputSize)}`;
  }
}

/** 1-D max pooling to a fixed output length. */
export class AdaptiveMaxPool1d extends Module {
  static override readonly typeName: string = 'AdaptiveMaxPool1d';

  /**
   * outputSize: the output length.
   * @param outputSize The output length (null keeps the input length).
   */
  constructor(readonly outputSize: AdaptiveSize1) {
    super();
    checkOutputSize('AdaptiveMaxPool1d', 1, outputSize);
  }
  /** Pools x (N, C, L) or (C, L) to outputSize. */
  forward(x: Tensor): Tensor {
    return adaptiveMaxPool1d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `outputSize=${show(this.outputSize)}`;
  }
}

/** Average pooling to a fixed output size (any input size). */
export class AdaptiveAvgPool2d extends Module {
  static override readonly typeName: string = 'AdaptiveAvgPool2d';

  /**
   * outputSize: a number or [H, W] (null keeps that input axis).
   * @param outputSize A number or [H, W] (null keeps that input axis).
   */
  constructor(readonly outputSize: AdaptiveSize2) {
    super();
    checkOutputSize('AdaptiveAvgPool2d', 2, outputSize);
  }
  /** Pools x (N, C, H, W) or (C, H, W) to outputSize. */
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `outputSize=${show(this.outputSize)}`;
  }
}

/** Max pooling to a fixed output size. */
export class AdaptiveMaxPool2d extends Module {
  static override readonly typeName: string = 'AdaptiveMaxPool2d';

  /**
   * outputSize: a number or [H, W] (null keeps that input axis).
   * @param outputSize A number or [H, W] (null keeps that input axis).
   */
  constructor(readonly outputSize: AdaptiveSize2) {
    super();
    checkOutputSize('AdaptiveMaxPool2d', 2, outputSize);
  }
  /** Pools x (N, C, H, W) or (C, H, W) to outputSize. */
  forward(x: Tensor): Tensor {
    return adaptiveMaxPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `outputSize=${show(this.outputSize)}`;
  }
}

/** Global average pooling: the mean of each feature map, (N, C, H, W) -> (N, C). */
export class GlobalAvgPool extends Module {
  static override readonly typeName: string = 'GlobalAvgPool';

  /** Averages every axis after the channels. */
  forward(x: Tensor): Tensor {
    if (x.ndim < 3)
      throw new RangeError(
        `GlobalAvgPool: input must be (N, C, ...spatial) with at least one spatial axis, got ${fmt(x.shape)}`,
      );
    const axes: number[] = [];
    for (let a = 2; a < x.ndim; a++) axes.push(a);
    return x.mean(axes);
  }
}

/** Max across groups of kernelSize consecutive channels (maxout); stride defaults to kernelSize. */
export class ChannelMaxPool extends Module {
  static override readonly typeName: string = 'ChannelMaxPool';

  /** A channel max pool. */
  constructor(
    /** How many neighbouring channels each output channel takes the max over. */
    readonly kernelSize: number,
    /** Step between channel windows (null: the window size). */
    readonly stride: number | null = null,
  ) {
    super();
    intTuple('ChannelMaxPool', 'kernelSize', kernelSize, 1, 1);
    if (stride !== null) intTuple('ChannelMaxPool', 'stride', stride, 1, 1);
  }
  /** Pools the channels of x (N, C, ...). */
  forward(x: Tensor): Tensor {
    return channelMaxPool(x, { kernelSize: this.kernelSize, stride: this.stride });
  }
  override extraRepr(): string {
    return `kernelSize=${this.kernelSize}, stride=${this.stride ?? this.kernelSize}`;
  }
}
