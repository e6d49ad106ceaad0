/**
 * ResNet (He et al. 2016): stacks of residual blocks y = ReLU(F(x) + shortcut(x)).
 * `BasicBlock` (two 3x3 convs) makes resnet18/34, `Bottleneck` (1x1 reduce → 3x3 →
 * 1x1 expand x4, stride on the 3x3 as torchvision's v1.5) makes resnet50. When a block changes
 * the resolution or width, the shortcut is a strided 1x1 conv + BatchNorm projection.
 * ImageNet models follow torchvision, module paths included (stem 7x7/2 conv + 3x3/2 max pool;
 * `conv1`, `bn1`, `layer1.0.conv1`, `layer1.0.bn1`, ..., `layer2.0.downsample.0/1`, `fc`, so a
 * torchvision state dict loads strictly; He-normal fan-out conv init): resnet18 11,689,512,
 * resnet34 21,797,672, resnet50 25,557,032 parameters at 1000 classes. `resnetCifar` is the paper's 6n+2-layer
 * network for 32x32 images (3x3 stem, 16-32-64 channels, no max pool); resnet20 with the
 * paper's parameter-free shortcut (option A: subsample, zero-pad channels) has 269,722 parameters.
 * The CIFAR networks use the same names as a PyTorch port would (torchvision's blocks and stem:
 * `conv1`, `bn1`, `layer1.0.conv1`, ..., `layerN.0.downsample` for the shortcut, `fc`).
 */
import type { Tensor } from '../tensor/tensor.js';
import { pad } from '../tensor/ops/shape.js';
import { Module, Sequential } from '../nn/module.js';
import { Conv2d } from '../nn/layers/conv.js';
import { BatchNorm2d } from '../nn/layers/normalization.js';
import { ReLU } from '../nn/layers/activation.js';
import { Linear } from '../nn/layers/linear.js';
import { AdaptiveAvgPool2d, MaxPool2d } from '../nn/layers/pooling.js';
import { kaimingNormal_ } from '../nn/init.js';
import { checkInit, checkPositiveInt, type ZooInit } from './layer-plan.js';

const conv3x3 = (i: number, o: number, stride = 1): Conv2d => new Conv2d(i, o, 3, { stride, padding: 1, bias: false });
const conv1x1 = (i: number, o: number, stride = 1): Conv2d => new Conv2d(i, o, 1, { stride, bias: false });

/** How a block's shortcut matches a change of shape: 'B' 1x1 conv projection (default), 'A' zero padding. */
export type ShortcutType = 'A' | 'B';

/** Option A shortcut: x[:, :, ::stride, ::stride] with zero channels added on both sides (no parameters). */
export class PadShortcut extends Module {
  static override readonly typeName: string = 'PadShortcut';

  /** Maps inChannels to outChannels (outChannels − inChannels must be even) with the given stride. */
  constructor(
    /** Channels in. */
    readonly inChannels: number,
    /** Channels out (inChannels plus zero channels). */
    readonly outChannels: number,
    /** Spatial subsampling step. */
    readonly stride: number,
  ) {
    super();
    if (outChannels < inChannels || (outChannels - inChannels) % 2 !== 0) {
      throw new RangeError(
        `PadShortcut: outChannels ${outChannels} must exceed inChannels ${inChannels} by an even number`,
      );
    }
  }

  /** Subsamples H and W by the stride and zero-pads the channels. */
  forward(x: Tensor): Tensor {
    const s = this.stride === 1 ? x : x.slice(2, 0, undefined, this.stride).slice(3, 0, undefined, this.stride);
    const p = (this.outChannels - this.inChannels) / 2;
    return p === 0 ? s : pad(s, [0, 0, 0, 0, p, p]);
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, stride=${this.stride}`;
  }
}

function projection(inC: number, outC: number, stride: number, type: ShortcutType): Module | null {
  if (stride === 1 && inC === outC) return null;
  return type === 'A'
    ? new PadShortcut(inC, outC, stride)
    : new Sequential(conv1x1(inC, outC, stride), new BatchNorm2d(outC));
}

/** Adds the shortcut (identity when null) to a block's output and applies the final ReLU. */
function addShortcut(op: string, x: Tensor, out: Tensor, downsample: Module | null, relu: ReLU): Tensor {
  const identity = downsample ? downsample.call(x) : x;
  if (out.ndim !== identity.ndim || out.shape.some((d, i) => d !== identity.shape[i])) {
    throw new RangeError(
      `${op}: block output [${out.shape.join(', ')}] and shortcut [${identity.shape.join(', ')}] differ (input [${x.shape.join(', ')}])`,
    );
  }
  return relu.call(out.add(identity));
}

/**
 * ResNet's basic block, as torchvision's: conv1 (3x3, stride) → bn1 → relu → conv2 (3x3) → bn2,
 * plus the shortcut (`downsample`, or the identity), then relu; output `planes` channels.
 */
export class BasicBlock extends Module {
  static override readonly typeName: string = 'BasicBlock';

  /** Output channels per `planes` (1). */
  static readonly expansion = 1;
  /** First 3x3 convolution (carries the stride). */
  conv1: Conv2d;
  /** Batch norm after conv1. */
  bn1: BatchNorm2d;
  /** The ReLU (after bn1 and after the sum). */
  relu: ReLU;
  /** Second 3x3 convolution. */
  conv2: Conv2d;
  /** Batch norm after conv2. */
  bn2: BatchNorm2d;
  /** The shortcut's projection (Sequential(conv1x1, BatchNorm2d), or PadShortcut), or null for the identity. */
  downsample: Module | null;

  /** A block from inPlanes to planes channels; stride 2 halves H and W (the shortcut then projects). */
  constructor(
    /** Channels in. */
    readonly inPlanes: number,
    /** Channels of both 3x3 convolutions (and out). */
    readonly planes: number,
    /** Stride of the first convolution (2 halves the size). */
    readonly stride = 1,
    shortcut: ShortcutType = 'B',
  ) {
    super();
    checkPositiveInt('BasicBlock', 'inPlanes', inPlanes);
    checkPositiveInt('BasicBlock', 'planes', planes);
    checkPositiveInt('BasicBlock', 'stride', stride);
    this.conv1 = this.registerModule('conv1', conv3x3(inPlanes, planes, stride));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.relu = this.registerModule('relu', new ReLU());
    this.conv2 = this.registerModule('conv2', conv3x3(planes, planes));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    this.downsample = this.registerModule('downsample', projection(inPlanes, planes, stride, shortcut));
  }

  /** relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)). */
  forward(x: Tensor): Tensor {
    const h = this.relu.call(this.bn1.call(this.conv1.call(x)));
    return addShortcut('BasicBlock', x, this.bn2.call(this.conv2.call(h)), this.downsample, this.relu);
  }
}

/**
 * ResNet's bottleneck block, as torchvision's (v1.5, stride on the 3x3): conv1 (1x1) → bn1 →
 * relu → conv2 (3x3, stride) → bn2 → relu → conv3 (1x1, 4·planes) → bn3, plus the shortcut
 * (`downsample`, or the identity), then relu.
 */
export class Bottleneck extends Module {
  static override readonly typeName: string = 'Bottleneck';

  /** Output channels per `planes` (4). */
  static readonly expansion = 4;
  /** 1x1 reduction. */
  conv1: Conv2d;
  /** Batch norm after conv1. */
  bn1: BatchNorm2d;
  /** 3x3 convolution (carries the stride). */
  conv2: Conv2d;
  /** Batch norm after conv2. */
  bn2: BatchNorm2d;
  /** 1x1 expansion to 4·planes. */
  conv3: Conv2d;
  /** Batch norm after conv3. */
  bn3: BatchNorm2d;
  /** The ReLU (between the convs and after the sum). */
  relu: ReLU;
  /** The shortcut's projection Sequential(conv1x1, BatchNorm2d), or null for the identity. */
  downsample: Module | null;

  /** A block from inPlanes to 4·planes channels. */
  constructor(
    /** Channels in. */
    readonly inPlanes: number,
    /** Channels of the 1x1 and 3x3 convolutions (out: 4 times as many). */
    readonly planes: number,
    /** Stride of the 3x3 convolution (2 halves the size). */
    readonly stride = 1,
  ) {
    super();
    checkPositiveInt('Bottleneck', 'inPlanes', inPlanes);
    checkPositiveInt('Bottleneck', 'planes', planes);
    checkPositiveInt('Bottleneck', 'stride', stride);
    const out = planes * Bottleneck.expansion;
    this.conv1 = this.registerModule('conv1', conv1x1(inPlanes, planes));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.registerModule('conv2', conv3x3(planes, planes, stride));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    this.conv3 = this.registerModule('conv3', conv1x1(planes, out));
    this.bn3 = this.registerModule('bn3', new BatchNorm2d(out));
    this.relu = this.registerModule('relu', new ReLU());
    this.downsample = this.registerModule('downsample', projection(inPlanes, out, stride, 'B'));
  }

  /** relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut(x)). */
  forward(x: Tensor): Tensor {
    let h = this.relu.call(this.bn1.call(this.conv1.call(x)));
    h = this.relu.call(this.bn2.call(this.conv2.call(h)));
    return addShortcut('Bottleneck', x, this.bn3.call(this.conv3.call(h)), this.downsample, this.relu);
  }
}

/** Options of resnet18/34/50(). */
export interface ResNetOptions {
  /** Output logits (default 1000). */
  numClasses?: number;
  /** Input channels (default 3). */
  inChannels?: number;
  /** 'torchvision' (default): conv weights He-normal fan-out; 'default': keep each layer's PyTorch default init (faster, e.g. before loading a checkpoint). */
  init?: ZooInit;
}

/** Options of resnetCifar(). */
export interface ResNetCifarOptions {
  /** Total layers 6n + 2: 20, 32, 44, 56, 110, ... (default 20). */
  depth?: number;
  /** Output logits (default 10). */
  numClasses?: number;
  /** Input channels (default 3). */
  inChannels?: number;
  /** 'A' zero-padding shortcuts as in the paper's CIFAR experiments (default), 'B' 1x1 projections. */
  shortcut?: ShortcutType;
  /** As in ResNetOptions (default 'torchvision'). */
  init?: ZooInit;
}

type BlockKind = 'basic' | 'bottleneck';

/** A ResNet: stem → residual stages (layer1, layer2, ...) → global average pool → fc. */
export class ResNet extends Module {
  static override readonly typeName: string = 'ResNet';

  readonly #order: string[];

  /**
   * blocks[i] blocks of width widths[i] in stage i+1 (stride 2 from the second stage on);
   * stem 'imagenet' = 7x7/2 conv + 3x3/2 max pool, 'cifar' = 3x3 conv.
   */
  constructor(
    kind: BlockKind,
    blocks: readonly number[],
    widths: readonly number[],
    {
      numClasses,
      inChannels,
      stem,
      shortcut = 'B',
      init = 'torchvision',
    }: { numClasses: number; inChannels: number; stem: 'imagenet' | 'cifar'; shortcut?: ShortcutType; init?: ZooInit },
  ) {
    super();
    checkPositiveInt('resnet', 'numClasses', numClasses);
    checkPositiveInt('resnet', 'inChannels', inChannels);
    checkInit('resnet', init);
    if (blocks.length !== widths.length)
      throw new RangeError(`resnet: ${blocks.length} stage depths but ${widths.length} widths`);
    const order: string[] = [];
    const reg = (n: string, m: Module): void => {
      this.registerModule(n, m);
      order.push(n);
    };
    const w0 = widths[0];
    if (stem === 'imagenet') {
      reg('conv1', new Conv2d(inChannels, w0, 7, { stride: 2, padding: 3, bias: false }));
    } else {
      reg('conv1', conv3x3(inChannels, w0));
    }
    reg('bn1', new BatchNorm2d(w0));
    reg('relu', new ReLU());
    if (stem === 'imagenet') reg('maxpool', new MaxPool2d(3, { stride: 2, padding: 1 }));
    const expansion = kind === 'basic' ? BasicBlock.expansion : Bottleneck.expansion;
    let c = w0;
    blocks.forEach((n, i) => {
      checkPositiveInt('resnet', `blocks[${i}]`, n);
      const stage = new Sequential();
      for (let b = 0; b < n; b++) {
        const stride = b === 0 && i > 0 ? 2 : 1;
        stage.append(
          kind === 'basic' ? new BasicBlock(c, widths[i], stride, shortcut) : new Bottleneck(c, widths[i], stride),
        );
        c = widths[i] * expansion;
      }
      reg(`layer${i + 1}`, stage);
    });
    reg('avgpool', new AdaptiveAvgPool2d(1));
    this.registerModule('fc', new Linear(c, numClasses));
    this.#order = order;
    if (init === 'torchvision')
      for (const m of this.modules())
        if (m instanceof Conv2d) kaimingNormal_(m.weight, { mode: 'fanOut', nonlinearity: 'relu' });
  }

  /** Runs the stem and residual stages: (N, C, H, W) → (N, features, h, w), before pooling. */
  features(x: Tensor): Tensor {
    let h = x;
    for (const n of this.#order) if (n !== 'avgpool') h = this.getSubmodule(n).call(h);
    return h;
  }

  /** Logits (N, numClasses). */
  forward(x: Tensor): Tensor {
    return this.getSubmodule('fc').call(this.getSubmodule('avgpool').call(this.features(x)).flatten(1));
  }
}

const IMAGENET_WIDTHS = [64, 128, 256, 512];

/** ResNet-18: BasicBlocks [2, 2, 2, 2] (11,689,512 parameters at 1000 classes). */
export function resnet18({ numClasses = 1000, inChannels = 3, init = 'torchvision' }: ResNetOptions = {}): ResNet {
  return new ResNet('basic', [2, 2, 2, 2], IMAGENET_WIDTHS, { numClasses, inChannels, stem: 'imagenet', init });
}

/** ResNet-34: BasicBlocks [3, 4, 6, 3] (21,797,672 parameters). */
export function resnet34({ numClasses = 1000, inChannels = 3, init = 'torchvision' }: ResNetOptions = {}): ResNet {
  return new ResNet('basic', [3, 4, 6, 3], IMAGENET_WIDTHS, { numClasses, inChannels, stem: 'imagenet', init });
}

/** ResNet-50: Bottlenecks [3, 4, 6, 3] (25,557,032 parameters). */
export function resnet50({ numClasses = 1000, inChannels = 3, init = 'torchvision' }: ResNetOptions = {}): ResNet {
  return new ResNet('bottleneck', [3, 4, 6, 3], IMAGENET_WIDTHS, { numClasses, inChannels, stem: 'imagenet', init });
}

/** The CIFAR ResNet of He et al. §4.2: depth 6n+2, three stages of n BasicBlocks (16, 32, 64 channels). */
export function resnetCifar({
  depth = 20,
  numClasses = 10,
  inChannels = 3,
  shortcut = 'A',
  init = 'torchvision',
}: ResNetCifarOptions = {}): ResNet {
  if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0)
    throw new RangeError(`resnetCifar: depth must be 6n + 2 (20, 32, 44, 56, 110, ...), got ${String(depth)}`);
  if (shortcut !== 'A' && shortcut !== 'B')
    throw new RangeError(`resnetCifar: shortcut must be 'A' or 'B', got '${String(shortcut)}'`);
  const n = (depth - 2) / 6;
  return new ResNet('basic', [n, n, n], [16, 32, 64], { numClasses, inChannels, stem: 'cifar', shortcut, init });
}

/** ResNet-20 for 32x32 images (269,722 parameters with 10 classes and option-A shortcuts). */
export function resnet20(options: Omit<ResNetCifarOptions, 'depth'> = {}): ResNet {
  return resnetCifar({ ...options, depth: 20 });
}
