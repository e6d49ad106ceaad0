/**
 * `vgg11/13/16/19`: Simonyan & Zisserman (2015), stacks of 3x3 convolutions (padding 1) with
 * 2x2 max pooling between stages, then three fully connected layers, as torchvision builds them
 * (names `features.*`, `classifier.*`; conv weights He-normal fan-out, Linear N(0, 0.01), zero
 * biases). Parameters at 1000 classes: vgg11 132,863,336, vgg13 133,047,848, vgg16 138,357,544,
 * vgg19 143,667,240 (with batchNorm: 132,868,840 / 133,053,736 / 138,365,992 / 143,678,248).
 * `width` and `hidden` shrink the network (e.g. for 32x32 experiments); defaults are the paper's.
 */
import type { Tensor } from '../tensor/tensor.js';
import { Module, type Sequential } from '../nn/module.js';
import { AdaptiveAvgPool2d } from '../nn/layers/pooling.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Linear } from '../nn/layers/linear.js';
import { kaimingNormal_, normal_, zeros_ } from '../nn/init.js';
import {
  buildPlan,
  checkDropout,
  checkInit,
  checkPositiveInt,
  planParameters,
  type LayerSpec,
  type ZooInit,
} from './layer-plan.js';

/** The VGG depths (torchvision's configurations A, B, D, E). */
export type VggDepth = 11 | 13 | 16 | 19;

/** Conv widths per layer, 'M' = 2x2 max pool (torchvision's cfgs). */
export const VGG_CONFIGS: Readonly<Record<VggDepth, readonly (number | 'M')[]>> = Object.freeze({
  11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
});

/** Options of vgg11/13/16/19(). */
export interface VggOptions {
  /** BatchNorm2d after every conv (torchvision's vggNN_bn). Default false. */
  batchNorm?: boolean;
  /** Output logits (default 1000). */
  numClasses?: number;
  /** Input channels (default 3). */
  inChannels?: number;
  /** Dropout probability in the classifier (default 0.5). */
  dropout?: number;
  /** Multiplies every conv width (rounded, at least 1). Default 1. */
  width?: number;
  /** Width of the two hidden Linear layers (default 4096). */
  hidden?: number;
  /** Side of the adaptive average pool before the classifier (default 7). */
  poolSize?: number;
  /** 'torchvision' (default): He-normal fan-out convs, N(0, 0.01) Linear, zero biases; 'default': each layer's PyTorch default. */
  init?: ZooInit;
}

/** The layer plans of a VGG (features before, classifier after the pool and flatten). */
export function vggPlan(
  depth: VggDepth,
  options: VggOptions = {},
): {
  /** The convolutional part (conv blocks and max pools). */
  features: LayerSpec[];
  /** The fully connected part. */
  classifier: LayerSpec[];
  /** Output size of the adaptive average pool between them. */
  poolSize: number;
} {
  const cfg = VGG_CONFIGS[depth];
  if (!cfg) throw new RangeError(`vgg: depth must be 11, 13, 16 or 19, got ${String(depth)}`);
  const {
    batchNorm = false,
    numClasses = 1000,
    inChannels = 3,
    dropout = 0.5,
    width = 1,
    hidden = 4096,
    poolSize = 7,
  } = options;
  checkPositiveInt(`vgg${depth}`, 'numClasses', numClasses);
  checkPositiveInt(`vgg${depth}`, 'inChannels', inChannels);
  checkPositiveInt(`vgg${depth}`, 'hidden', hidden);
  checkPositiveInt(`vgg${depth}`, 'poolSize', poolSize);
  checkDropout(`vgg${depth}`, dropout);
  if (!(width > 0) || !Number.isFinite(width))
    throw new RangeError(`vgg${depth}: width must be a positive number, got ${String(width)}`);
  const features: LayerSpec[] = [];
  let c = inChannels;
  for (const v of cfg) {
    if (v === 'M') {
      features.push({ kind: 'maxPool', kernelSize: 2, stride: 2 });
      continue;
    }
    const out = Math.max(1, Math.round(v * width));
    features.push({ kind: 'conv', inChannels: c, outChannels: out, kernelSize: 3, padding: 1 });
    if (batchNorm) features.push({ kind: 'batchNorm', numFeatures: out });
    features.push({ kind: 'relu' });
    c = out;
  }
  const classifier: LayerSpec[] = [
    { kind: 'linear', inFeatures: c * poolSize * poolSize, outFeatures: hidden },
    { kind: 'relu' },
    { kind: 'dropout', p: dropout },
    { kind: 'linear', inFeatures: hidden, outFeatures: hidden },
    { kind: 'relu' },
    { kind: 'dropout', p: dropout },
    { kind: 'linear', inFeatures: hidden, outFeatures: numClasses },
  ];
  return { features, classifier, poolSize };
}

/** The parameter count vggNN(options) will have, from its plan (allocates nothing). */
export function vggParameterCount(depth: VggDepth, options: VggOptions = {}): number {
  const { features, classifier } = vggPlan(depth, options);
  return planParameters(features) + planParameters(classifier);
}

/** A VGG network: features → adaptive average pool → flatten → classifier (logits). */
export class VGG extends Module {
  static override readonly typeName: string = 'VGG';

  /** The 3x3-conv trunk. */
  features: Sequential;
  /** Pools the trunk's output to poolSize x poolSize (7x7 by default). */
  avgpool: AdaptiveAvgPool2d;
  /** Linear/ReLU/Dropout head. */
  classifier: Sequential;

  /** Builds VGG-depth as described by vggPlan(depth, options), with torchvision's initialisation. */
  constructor(
    /** 11 or 16 (the number of weight layers). */
    readonly depth: VggDepth,
    options: VggOptions = {},
  ) {
    super();
    const plan = vggPlan(depth, options);
    const init = options.init ?? 'torchvision';
    checkInit(`vgg${depth}`, init);
    this.features = this.registerModule('features', buildPlan(plan.features));
    this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d(plan.poolSize));
    this.classifier = this.registerModule('classifier', buildPlan(plan.classifier));
    if (init === 'torchvision')
      for (const m of this.modules()) {
        if (m instanceof Conv2d) kaimingNormal_(m.weight, { mode: 'fanOut', nonlinearity: 'relu' });
        else if (m instanceof Linear) normal_(m.weight, 0, 0.01);
        if ((m instanceof Conv2d || m instanceof Linear) && m.bias) zeros_(m.bias);
      }
  }

  /** Logits (N, numClasses) for images (N, C, H, W) with H, W ≥ 32. */
  forward(x: Tensor): Tensor {
    return this.classifier.call(this.avgpool.call(this.features.call(x)).flatten(1));
  }
}

/** VGG-11 (configuration A). */
export function vgg11(options: VggOptions = {}): VGG {
  return new VGG(11, options);
}
/** VGG-13 (configuration B). */
export function vgg13(options: VggOptions = {}): VGG {
  return new VGG(13, options);
}
/** VGG-16 (configuration D, 138,357,544 parameters). */
export function vgg16(options: VggOptions = {}): VGG {
  return new VGG(16, options);
}
/** VGG-19 (configuration E). */
export function vgg19(options: VggOptions = {}): VGG {
  return new VGG(19, options);
}
