/**
 * Convolution layers: `Conv1d`, `Conv2d`, `ConvTranspose1d`, `ConvTranspose2d`, holding the
 * filters (weight) and biases and calling the functional ops. Parameters per Conv2d layer:
 * out * (in/groups) * kH * kW + out (ten 5x5x3 filters: 10*75 + 10 = 760).
 */
import { empty } from '../../tensor/alloc.js';
import type { Tensor } from '../../tensor/tensor.js';
import {
  checkConvOptions,
  checkConvTransposeOptions,
  conv1d,
  conv2d,
  convTranspose1d,
  convTranspose2d,
} from '../functional/conv.js';
import { intTuple, type PaddingMode, type PaddingString } from '../functional/conv-args.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';

/** Options of `Conv2d` (and, with 1-tuples, `Conv1d`). */
export interface ConvOptions<S> {
  /** Step of the window. Default 1. */
  stride?: S;
  /** Zero padding per side, or 'valid' | 'same' | 'full'. Default 0. */
  padding?: S | PaddingString;
  /** Spacing between kernel taps. Default 1. */
  dilation?: S;
  /** Split channels into independent groups (groups = in = out is depthwise). Default 1. */
  groups?: number;
  /** Learn a bias per output channel. Default true. */
  bias?: boolean;
  /** How the padded border is filled. Default 'zeros'. */
  paddingMode?: PaddingMode;
}

/** Options of the transposed convolutions. */
export interface ConvTransposeOptions<S> {
  /** Upsampling factor. Default 1. */
  stride?: S;
  /** Implicit padding removed from the output. Default 0. */
  padding?: S;
  /** Extra cells on one side of the output. Default 0. */
  outputPadding?: S;
  /** Spacing between kernel taps. Default 1. */
  dilation?: S;
  /** Channel groups. Default 1. */
  groups?: number;
  /** Learn a bias per output channel. Default true. */
  bias?: boolean;
}

type SizeN = number | readonly number[];

function channels(op: string, inC: number, outC: number, groups: number): void {
  for (const [n, v] of [
    ['inChannels', inC],
    ['outChannels', outC],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0)
      throw new RangeError(`${op}: ${n} must be a positive integer, got ${String(v)}`);
  }
  if (!Number.isInteger(groups) || groups <= 0)
    throw new RangeError(`${op}: groups must be a positive integer, got ${String(groups)}`);
  if (inC % groups !== 0) throw new RangeError(`${op}: inChannels ${inC} must be divisible by groups ${groups}`);
  if (outC % groups !== 0) throw new RangeError(`${op}: outChannels ${outC} must be divisible by groups ${groups}`);
}

function checkBool(op: string, name: string, v: unknown): void {
  if (typeof v !== 'boolean') throw new TypeError(`${op}: ${name} must be true or false, got ${String(v)}`);
}

function fmtSize(v: readonly number[]): string {
  return `[${v.join(', ')}]`;
}

/** Defaults of the options a layer keeps (groups and bias live on the layer itself). */
const CONV_DEFAULTS = { stride: 1, padding: 0, dilation: 1, paddingMode: 'zeros' };
const CONV_T_DEFAULTS = { stride: 1, padding: 0, outputPadding: 0, dilation: 1 };

/** Shared validation, parameters and initialisation of every convolution layer. */
abstract class ConvNd extends Module {
  /** The filters. */
  weight: Tensor;
  /** One bias per output channel, or null. */
  bias: Tensor | null;
  /** Kernel size per spatial axis. */
  readonly kernelSize: readonly number[];
  /** Channel groups. */
  readonly groups: number;
  /** The layer's stride, padding, dilation, ... (narrowed by each subclass). */
  readonly options: Readonly<Record<string, unknown>>;

  /**
   * Checks the arguments (naming `op`), then creates weight (out, in/groups, ...k), or
   * (in, out/groups, ...k) when transposed, and the bias.
   */
  constructor(
    op: string,
    dims: number,
    transposed: boolean,
    /** Input channels. */
    readonly inChannels: number,
    /** Output channels. */
    readonly outChannels: number,
    kernelSize: SizeN,
    options: ConvOptions<SizeN> | ConvTransposeOptions<SizeN>,
  ) {
    super();
    if (transposed) checkConvTransposeOptions(op, dims, options, ['bias']);
    else checkConvOptions(op, dims, intTuple(op, 'kernelSize', kernelSize, dims, 1), options, ['bias']);
    const { groups = 1, bias = true, ...rest } = options;
    checkBool(op, 'bias', bias);
    channels(op, inChannels, outChannels, groups);
    const k = intTuple(op, 'kernelSize', kernelSize, dims, 1);
    this.kernelSize = Object.freeze(k);
    this.groups = groups;
    const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    this.options = { ...(transposed ? CONV_T_DEFAULTS : CONV_DEFAULTS), ...given };
    const shape = transposed ? [inChannels, outChannels / groups, ...k] : [outChannels, inChannels / groups, ...k];
    this.weight = this.registerParameter('weight', empty(shape));
    this.bias = this.registerParameter('bias', bias ? empty([outChannels]) : null);
    this.resetParameters();
  }

  /** PyTorch's default: kaimingUniform(a = sqrt(5)) weights, U(±1/sqrt(fanIn)) bias. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const { fanIn } = calculateFanInAndFanOut(this.weight);
      const b = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -b, b);
    }
  }

  override extraRepr(): string {
    return convRepr(this.inChannels, this.outChannels, this.kernelSize, this.groups, this.bias !== null, this.options);
  }
}

/** 2-D convolution over (N, C, H, W) input: weight (out, in/groups, kH, kW), bias (out). */
export class Conv2d extends ConvNd {
  static override readonly typeName: string = 'Conv2d';

  /** Stride, padding, dilation and padding mode as given (see ConvOptions). */
  declare readonly options: Readonly<Omit<ConvOptions<number | readonly [number, number]>, 'bias' | 'groups'>>;

  /** A conv layer with `outChannels` filters of size kernelSize over `inChannels` channels. */
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly [number, number],
    options: ConvOptions<number | readonly [number, number]> = {},
  ) {
    super('Conv2d', 2, false, inChannels, outChannels, kernelSize, options);
  }

  /** Convolves x (N, C, H, W) or (C, H, W). */
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { ...this.options, groups: this.groups });
  }
}

/** 1-D convolution over (N, C, L) input: weight (out, in/groups, k), bias (out). */
export class Conv1d extends ConvNd {
  static override readonly typeName: string = 'Conv1d';

  /** Stride, padding, dilation and padding mode as given. */
  declare readonly options: Readonly<Omit<ConvOptions<number | readonly [number]>, 'bias' | 'groups'>>;

  /** A 1-D conv layer. */
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly [number],
    options: ConvOptions<number | readonly [number]> = {},
  ) {
    super('Conv1d', 1, false, inChannels, outChannels, kernelSize, options);
  }

  /** Convolves x (N, C, L) or (C, L). */
  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, { ...this.options, groups: this.groups });
  }
}

/** 2-D transposed convolution (upsampling): weight (in, out/groups, kH, kW), bias (out). */
export class ConvTranspose2d extends ConvNd {
  static override readonly typeName: string = 'ConvTranspose2d';

  /** Stride, padding, outputPadding and dilation as given. */
  declare readonly options: Readonly<Omit<ConvTransposeOptions<number | readonly [number, number]>, 'bias' | 'groups'>>;

  /** A transposed conv layer. */
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly [number, number],
    options: ConvTransposeOptions<number | readonly [number, number]> = {},
  ) {
    super('ConvTranspose2d', 2, true, inChannels, outChannels, kernelSize, options);
  }

  /** Applies the transposed convolution to x (N, in, H, W). */
  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, { ...this.options, groups: this.groups });
  }
}

/** 1-D transposed convolution: weight (in, out/groups, k), bias (out). */
export class ConvTranspose1d extends ConvNd {
  static override readonly typeName: string = 'ConvTranspose1d';

  /** Stride, padding, outputPadding and dilation as given. */
  declare readonly options: Readonly<Omit<ConvTransposeOptions<number | readonly [number]>, 'bias' | 'groups'>>;

  /** A 1-D transposed conv layer. */
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly [number],
    options: ConvTransposeOptions<number | readonly [number]> = {},
  ) {
    super('ConvTranspose1d', 1, true, inChannels, outChannels, kernelSize, options);
  }

  /** Applies the transposed convolution to x (N, in, L). */
  forward(x: Tensor): Tensor {
    return convTranspose1d(x, this.weight, this.bias, { ...this.options, groups: this.groups });
  }
}

function convRepr(
  inC: number,
  outC: number,
  k: readonly number[],
  groups: number,
  bias: boolean,
  o: Record<string, unknown>,
): string {
  const parts = [`${inC}`, `${outC}`, `kernelSize=${fmtSize(k)}`];
  const show = (v: unknown): string =>
    typeof v === 'string' ? `'${v}'` : Array.isArray(v) ? fmtSize(v as number[]) : String(v);
  parts.push(`stride=${show(o.stride)}`);
  if (o.padding !== 0) parts.push(`padding=${show(o.padding)}`);
  if (o.outputPadding !== undefined && o.outputPadding !== 0) parts.push(`outputPadding=${show(o.outputPadding)}`);
  if (o.dilation !== 1) parts.push(`dilation=${show(o.dilation)}`);
  if (groups !== 1) parts.push(`groups=${groups}`);
  if (!bias) parts.push('bias=false');
  if (o.paddingMode !== undefined && o.paddingMode !== 'zeros') parts.push(`paddingMode='${String(o.paddingMode)}'`);
  return parts.join(', ');
}
