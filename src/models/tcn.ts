/**
 * `tcn1d`: a temporal convolutional network for sequences (N, C, L) after Bai, Kolter & Koltun
 * 2018 ("An Empirical Evaluation of Generic Convolutional and Recurrent Networks for Sequence
 * Modeling", github.com/locuslab/TCN). Residual blocks of two causal dilated Conv1d layers
 * (ReLU, dropout after each), a 1x1 conv on the shortcut when the width changes, dilation
 * doubling per block (1, 2, 4, ...). Causal: output step t sees input steps ≤ t only, done by
 * padding (k-1)·dilation zeros on the left (the reference pads both sides and chomps the right
 * end: the same numbers). Unlike the reference no weight normalisation. For classification the
 * time axis is averaged (global average pooling) and a linear head gives the logits.
 * Receptive field: 1 + 2·(k-1)·(2^levels - 1) steps; by default the fewest levels whose field
 * covers the whole sequence.
 */
import { Module, Sequential } from '../nn/module.js';
import { Conv1d } from '../nn/layers/conv.js';
import { ReLU } from '../nn/layers/activation.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Linear } from '../nn/layers/linear.js';
import { GlobalAvgPool } from '../nn/layers/pooling.js';
import { ModuleList } from '../nn/layers/containers.js';
import { pad } from '../tensor/ops/shape.js';
import { conv1d } from '../nn/functional/conv.js';
import { fmt } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkDropout, checkPositiveInt } from './layer-plan.js';

/** A Conv1d whose output at step t depends on inputs ≤ t: (k-1)·dilation zeros padded on the left only. */
export class CausalConv1d extends Conv1d {
  static override readonly typeName: string = 'CausalConv1d';

  /** Zeros padded before the first step: (kernelSize - 1) · dilation. */
  readonly leftPadding: number;

  /** A causal conv from inChannels to outChannels with the given kernel size and dilation (stride 1). */
  constructor(inChannels: number, outChannels: number, kernelSize: number, dilation = 1) {
    checkPositiveInt('CausalConv1d', 'kernelSize', kernelSize);
    checkPositiveInt('CausalConv1d', 'dilation', dilation);
    super(inChannels, outChannels, kernelSize, { dilation, padding: 0 });
    this.leftPadding = (kernelSize - 1) * dilation;
  }

  /** Convolves x (N, C, L) to (N, out, L): the same length, no look-ahead. */
  override forward(x: Tensor): Tensor {
    if (x.ndim !== 3 && x.ndim !== 2)
      throw new RangeError(`CausalConv1d: input must be (N, C, L) or (C, L), got ${fmt(x.shape)}`);
    const padded = this.leftPadding > 0 ? pad(x, [this.leftPadding, 0]) : x;
    return conv1d(padded, this.weight, this.bias, { ...this.options, groups: this.groups });
  }

  /** The Conv1d text plus the left padding, e.g. `1, 8, kernel_size=(3,), dilation=(2,), left_padding=4`. */
  override extraRepr(): string {
    return `${super.extraRepr()}, left_padding=${this.leftPadding}`;
  }
}

/** One TCN residual block: relu(net(x) + shortcut(x)), net = two causal dilated convs with ReLU and dropout. */
export class TemporalBlock extends Module {
  static override readonly typeName: string = 'TemporalBlock';

  /** conv1 → ReLU → dropout → conv2 → ReLU → dropout. */
  net: Sequential;
  /** 1x1 conv when the width changes, else null (identity shortcut). */
  downsample: Conv1d | null;
  /** The ReLU after the residual sum. */
  relu: ReLU;

  /** A block from inChannels to outChannels with the given kernel size, dilation and dropout. */
  constructor(inChannels: number, outChannels: number, kernelSize: number, dilation: number, dropout: number) {
    super();
    this.net = this.registerModule(
      'net',
      new Sequential(
        new CausalConv1d(inChannels, outChannels, kernelSize, dilation),
        new ReLU(),
        new Dropout(dropout),
        new CausalConv1d(outChannels, outChannels, kernelSize, dilation),
        new ReLU(),
        new Dropout(dropout),
      ),
    );
    this.downsample =
      inChannels === outChannels ? null : this.registerModule('downsample', new Conv1d(inChannels, outChannels, 1));
    this.relu = this.registerModule('relu', new ReLU());
  }

  /** relu(net(x) + shortcut(x)) for x (N, C, L). */
  forward(x: Tensor): Tensor {
    const res = this.downsample ? this.downsample.call(x) : x;
    return this.relu.call(this.net.call(x).add(res));
  }
}

/** Options of tcn1d(). */
export interface Tcn1dOptions {
  /** Input channels C of the (N, C, L) sequences (default 1). */
  inChannels?: number;
  /** Number of output logits (default 10). */
  numClasses?: number;
  /** Sequence length L: picks the default number of levels (default 128). */
  seqLen?: number;
  /** Channels of every block (default 32). */
  channels?: number;
  /** Number of residual blocks; block i has dilation 2^i (default: the fewest whose receptive field covers seqLen). */
  levels?: number;
  /** Kernel size of the causal convs (default 3). */
  kernelSize?: number;
  /** Dropout after each conv's ReLU (default 0.05, the reference's default). */
  dropout?: number;
}

/** Receptive field in steps of a TCN with `levels` blocks of two causal convs of kernel k: 1 + 2(k-1)(2^levels - 1). */
export function tcnReceptiveField(levels: number, kernelSize: number): number {
  return 1 + 2 * (kernelSize - 1) * (2 ** levels - 1);
}

/** The fewest levels (at least 1) whose receptive field covers seqLen steps (kernel size ≥ 2). */
export function tcnLevelsFor(seqLen: number, kernelSize: number): number {
  let n = 1;
  while (tcnReceptiveField(n, kernelSize) < seqLen) n++;
  return n;
}

/** TCN classifier: (N, C, L) → causal residual blocks → mean over time → linear → (N, numClasses). */
export class TCN extends Module {
  static override readonly typeName: string = 'TCN';

  /** The residual blocks, dilation 1, 2, 4, ... */
  blocks: ModuleList;
  /** Mean over the time axis. */
  pool: GlobalAvgPool;
  /** Linear head to the logits. */
  fc: Linear;
  /** Input channels. */
  readonly inChannels: number;
  /** Steps of input one output sees (see tcnReceptiveField). */
  readonly receptiveField: number;

  /** Builds the network (see Tcn1dOptions for the defaults). */
  constructor(options: Tcn1dOptions = {}) {
    super();
    const inChannels = options.inChannels ?? 1,
      numClasses = options.numClasses ?? 10,
      seqLen = options.seqLen ?? 128,
      channels = options.channels ?? 32,
      kernelSize = options.kernelSize ?? 3,
      dropout = options.dropout ?? 0.05;
    checkPositiveInt('tcn1d', 'inChannels', inChannels);
    checkPositiveInt('tcn1d', 'numClasses', numClasses);
    checkPositiveInt('tcn1d', 'seqLen', seqLen);
    checkPositiveInt('tcn1d', 'channels', channels);
    checkPositiveInt('tcn1d', 'kernelSize', kernelSize);
    checkDropout('tcn1d', dropout);
    if (kernelSize < 2 && options.levels === undefined)
      throw new RangeError('tcn1d: kernelSize 1 never widens the receptive field; use kernelSize ≥ 2 or pass levels');
    const levels = options.levels ?? tcnLevelsFor(seqLen, kernelSize);
    checkPositiveInt('tcn1d', 'levels', levels);
    this.inChannels = inChannels;
    this.receptiveField = tcnReceptiveField(levels, kernelSize);
    const blocks = new ModuleList();
    for (let i = 0; i < levels; i++)
      blocks.append(new TemporalBlock(i === 0 ? inChannels : channels, channels, kernelSize, 2 ** i, dropout));
    this.blocks = this.registerModule('blocks', blocks);
    this.pool = this.registerModule('pool', new GlobalAvgPool());
    this.fc = this.registerModule('fc', new Linear(channels, numClasses));
  }

  /** Features (N, channels, L) before pooling: output step t depends on input steps ≤ t only. */
  features(x: Tensor): Tensor {
    if (x.ndim !== 3 || x.shape[1] !== this.inChannels)
      throw new RangeError(`TCN: expected input (N, ${this.inChannels}, L), got ${fmt(x.shape)}`);
    let h = x;
    for (const b of this.blocks) h = b.call(h);
    return h;
  }

  /** Logits (N, numClasses) for x (N, C, L). */
  forward(x: Tensor): Tensor {
    return this.fc.call(this.pool.call(this.features(x)));
  }
}

/** A TCN classifier for (N, C, L) sequences (see TCN and Tcn1dOptions). */
export function tcn1d(options: Tcn1dOptions = {}): TCN {
  return new TCN(options);
}
