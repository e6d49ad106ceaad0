/**
 * GoogLeNet's inception module (Szegedy et al. 2015, "Inception module with dimension
 * reductions"): four branches on the same input, concatenated along channels —
 * 1x1 conv | 1x1 reduce → 3x3 conv | 1x1 reduce → 5x5 conv | 3x3 max pool (stride 1) → 1x1
 * projection. The 1x1 convolutions shrink the channels before the expensive 3x3 and 5x5 filters.
 * Output channels: c1x1 + c3x3 + c5x5 + poolProj at the input's spatial size (inception (3a):
 * 192 → 64 + 128 + 32 + 32 = 256 channels at 28x28). Each conv is torchvision's BasicConv2d
 * (conv without bias → BatchNorm(eps 0.001) → ReLU) unless `batchNorm: false` (the paper's
 * conv with bias → ReLU).
 */
import type { Tensor } from '../tensor/tensor.js';
import { Module, Sequential } from '../nn/module.js';
import { Conv2d } from '../nn/layers/conv.js';
import { BatchNorm2d } from '../nn/layers/normalization.js';
import { ReLU } from '../nn/layers/activation.js';
import { MaxPool2d } from '../nn/layers/pooling.js';
import { concat } from '../tensor/ops/shape.js';
import { checkPositiveInt } from './layer-plan.js';

/** Options of BasicConv2d. */
export interface BasicConv2dOptions {
  /** Step of the window (default 1). */
  stride?: number;
  /** Zero padding per side (default 0). */
  padding?: number;
  /** Conv without bias → BatchNorm2d(eps 0.001) → ReLU (default true); false: conv with bias → ReLU. */
  batchNorm?: boolean;
}

/** torchvision's BasicConv2d: conv → BatchNorm → ReLU (names `conv`, `bn`). */
export class BasicConv2d extends Module {
  static override readonly typeName: string = 'BasicConv2d';

  /** The convolution. */
  conv: Conv2d;
  /** Its batch norm, or null when built with batchNorm: false. */
  bn: BatchNorm2d | null;
  /** The activation. */
  relu: ReLU;

  /** A conv block mapping inChannels to outChannels with a kernelSize x kernelSize filter. */
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number,
    { stride = 1, padding = 0, batchNorm = true }: BasicConv2dOptions = {},
  ) {
    super();
    this.conv = this.registerModule(
      'conv',
      new Conv2d(inChannels, outChannels, kernelSize, { stride, padding, bias: !batchNorm }),
    );
    this.bn = this.registerModule('bn', batchNorm ? new BatchNorm2d(outChannels, { eps: 0.001 }) : null);
    this.relu = this.registerModule('relu', new ReLU());
  }

  /** relu(bn(conv(x))). */
  forward(x: Tensor): Tensor {
    const y = this.conv.call(x);
    return this.relu.call(this.bn ? this.bn.call(y) : y);
  }
}

/** Options of InceptionModule. */
export interface InceptionOptions {
  /** BasicConv2d with BatchNorm (default true, torchvision) or the paper's conv + bias + ReLU. */
  batchNorm?: boolean;
  /** Kernel of the "5x5" branch: 5 as in the paper (default); torchvision's GoogLeNet uses 3. */
  branch5Kernel?: 3 | 5;
}

/**
 * The inception block: the 1x1, 3x3, 5x5 and pool-projection branches on the same input,
 * concatenated along channels. Module paths as torchvision's Inception: `branch1` (BasicConv2d),
 * `branch2` and `branch3` (Sequential of two BasicConv2d: `branch2.0`, `branch2.1`), `branch4`
 * (Sequential(MaxPool2d, BasicConv2d): `branch4.1`).
 */
export class InceptionModule extends Module {
  static override readonly typeName: string = 'InceptionModule';

  /** Channels of the concatenated output: c1x1 + c3x3 + c5x5 + poolProj. */
  readonly outChannels: number;
  /** 1x1 conv. */
  branch1: BasicConv2d;
  /** 1x1 reduce → 3x3 conv. */
  branch2: Sequential;
  /** 1x1 reduce → "5x5" conv (3x3 in torchvision). */
  branch3: Sequential;
  /** 3x3 max pool (stride 1) → 1x1 projection. */
  branch4: Sequential;

  /** inception(3a) is `new InceptionModule(192, 64, 96, 128, 16, 32, 32)`. */
  constructor(
    /** Input channels. */
    readonly inChannels: number,
    c1x1: number,
    c3x3reduce: number,
    c3x3: number,
    c5x5reduce: number,
    c5x5: number,
    poolProj: number,
    { batchNorm = true, branch5Kernel = 5 }: InceptionOptions = {},
  ) {
    super();
    const args: [string, number][] = [
      ['inChannels', inChannels],
      ['c1x1', c1x1],
      ['c3x3reduce', c3x3reduce],
      ['c3x3', c3x3],
      ['c5x5reduce', c5x5reduce],
      ['c5x5', c5x5],
      ['poolProj', poolProj],
    ];
    for (const [n, v] of args) checkPositiveInt('InceptionModule', n, v);
    if (branch5Kernel !== 3 && branch5Kernel !== 5)
      throw new RangeError(`InceptionModule: branch5Kernel must be 3 or 5, got ${String(branch5Kernel)}`);
    const o = { batchNorm };
    this.branch1 = this.registerModule('branch1', new BasicConv2d(inChannels, c1x1, 1, o));
    this.branch2 = this.registerModule(
      'branch2',
      new Sequential(
        new BasicConv2d(inChannels, c3x3reduce, 1, o),
        new BasicConv2d(c3x3reduce, c3x3, 3, { ...o, padding: 1 }),
      ),
    );
    this.branch3 = this.registerModule(
      'branch3',
      new Sequential(
        new BasicConv2d(inChannels, c5x5reduce, 1, o),
        new BasicConv2d(c5x5reduce, c5x5, branch5Kernel, { ...o, padding: (branch5Kernel - 1) / 2 }),
      ),
    );
    this.branch4 = this.registerModule(
      'branch4',
      new Sequential(
        new MaxPool2d(3, { stride: 1, padding: 1, ceilMode: true }),
        new BasicConv2d(inChannels, poolProj, 1, o),
      ),
    );
    this.outChannels = c1x1 + c3x3 + c5x5 + poolProj;
  }

  /** The i-th branch (0 → branch1, ..., 3 → branch4; negative counts from the end). */
  at(i: number): Module {
    const k = i < 0 ? i + 4 : i;
    if (!Number.isInteger(k) || k < 0 || k > 3)
      throw new RangeError(`InceptionModule.at: index ${i} is out of range for 4 branches`);
    return [this.branch1, this.branch2, this.branch3, this.branch4][k];
  }

  /** Checks the input's channels, then concatenates the four branches. */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels) {
      throw new RangeError(
        `InceptionModule: expected input (N, ${this.inChannels}, H, W), got [${x.shape.join(', ')}]`,
      );
    }
    return concat([this.branch1.call(x), this.branch2.call(x), this.branch3.call(x), this.branch4.call(x)], 1);
  }
}
