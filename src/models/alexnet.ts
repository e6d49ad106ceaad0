/**
 * `alexnet`: Krizhevsky, Sutskever & Hinton (2012), five conv layers then three fully connected.
 * Default: torchvision's single-tower variant (64-192-384-256-256 filters, no LRN, dropout before
 * the first two Linear layers), 61,100,840 parameters at 1000 classes, names `features.*`,
 * `classifier.*` as in torchvision. `original: true`: the paper's widths 96-256-384-384-256
 * without the two-GPU grouping, ReLU then LocalResponseNorm(5, alpha 1e-4, beta 0.75, k 2)
 * after conv1 and conv2, no conv1 padding (227x227 input → 55x55): 62,378,344 parameters.
 * An adaptive 6x6 average pool before the classifier accepts other input sizes (≥ 63x63).
 */
import type { Tensor } from '../tensor/tensor.js';
import { Module, type Sequential } from '../nn/module.js';
import { AdaptiveAvgPool2d } from '../nn/layers/pooling.js';
import { buildPlan, checkDropout, checkPositiveInt, planParameters, type LayerSpec } from './layer-plan.js';

/** Options of alexnet(). */
export interface AlexNetOptions {
  /** Output logits (default 1000). */
  numClasses?: number;
  /** Dropout probability in the classifier (default 0.5). */
  dropout?: number;
  /** Input channels (default 3). */
  inChannels?: number;
  /** The 2012 paper's widths and LRN instead of torchvision's variant (default false). */
  original?: boolean;
  /** Width of the two hidden Linear layers (default 4096; smaller for cheap experiments). */
  hidden?: number;
}

/** The layer plans of an AlexNet (features before, classifier after the 6x6 pool and flatten). */
export function alexnetPlan(options: AlexNetOptions = {}): {
  /** The convolutional part, up to the last max pool. */
  features: LayerSpec[];
  /** The fully connected part, after the 6x6 average pool and flatten. */
  classifier: LayerSpec[];
} {
  const { numClasses = 1000, dropout = 0.5, inChannels = 3, original = false, hidden = 4096 } = options;
  checkPositiveInt('alexnet', 'numClasses', numClasses);
  checkPositiveInt('alexnet', 'hidden', hidden);
  checkPositiveInt('alexnet', 'inChannels', inChannels);
  checkDropout('alexnet', dropout);
  const conv = (i: number, o: number, k: number, stride: number, padding: number): LayerSpec => ({
    kind: 'conv',
    inChannels: i,
    outChannels: o,
    kernelSize: k,
    stride,
    padding,
  });
  const relu: LayerSpec = { kind: 'relu' };
  const pool: LayerSpec = { kind: 'maxPool', kernelSize: 3, stride: 2 };
  const lrn: LayerSpec = { kind: 'lrn', size: 5, alpha: 1e-4, beta: 0.75, k: 2 };
  const features: LayerSpec[] = original
    ? [
        conv(inChannels, 96, 11, 4, 0),
        relu,
        lrn,
        pool,
        conv(96, 256, 5, 1, 2),
        relu,
        lrn,
        pool,
        conv(256, 384, 3, 1, 1),
        relu,
        conv(384, 384, 3, 1, 1),
        relu,
        conv(384, 256, 3, 1, 1),
        relu,
        pool,
      ]
    : [
        conv(inChannels, 64, 11, 4, 2),
        relu,
        pool,
        conv(64, 192, 5, 1, 2),
        relu,
        pool,
        conv(192, 384, 3, 1, 1),
        relu,
        conv(384, 256, 3, 1, 1),
        relu,
        conv(256, 256, 3, 1, 1),
        relu,
        pool,
      ];
  const classifier: LayerSpec[] = [
    { kind: 'dropout', p: dropout },
    { kind: 'linear', inFeatures: 256 * 6 * 6, outFeatures: hidden },
    relu,
    { kind: 'dropout', p: dropout },
    { kind: 'linear', inFeatures: hidden, outFeatures: hidden },
    relu,
    { kind: 'linear', inFeatures: hidden, outFeatures: numClasses },
  ];
  return { features, classifier };
}

/** The parameter count alexnet(options) will have, from its plan (allocates nothing). */
export function alexnetParameterCount(options: AlexNetOptions = {}): number {
  const { features, classifier } = alexnetPlan(options);
  return planParameters(features) + planParameters(classifier);
}

/** AlexNet: features → adaptive 6x6 average pool → flatten → classifier (logits). */
export class AlexNet extends Module {
  static override readonly typeName: string = 'AlexNet';

  /** The conv/ReLU/(LRN)/pool trunk: (N, C, H, W) → (N, 256, h, w). */
  features: Sequential;
  /** Pools the trunk's output to 6x6. */
  avgpool: AdaptiveAvgPool2d;
  /** Dropout/Linear/ReLU head on the 9216 flattened features. */
  classifier: Sequential;

  /** Builds the network described by alexnetPlan(options). */
  constructor(options: AlexNetOptions = {}) {
    super();
    const plan = alexnetPlan(options);
    this.features = this.registerModule('features', buildPlan(plan.features));
    this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d(6));
    this.classifier = this.registerModule('classifier', buildPlan(plan.classifier));
  }

  /** Logits (N, numClasses) for images (N, C, H, W). */
  forward(x: Tensor): Tensor {
    return this.classifier.call(this.avgpool.call(this.features.call(x)).flatten(1));
  }
}

/** AlexNet (torchvision variant by default; see the file comment). */
export function alexnet(options: AlexNetOptions = {}): AlexNet {
  return new AlexNet(options);
}
