/**
 * `googlenet`: GoogLeNet / Inception v1 (Szegedy et al. 2015) as torchvision builds it: a conv
 * stem (7x7/2, max pool, 1x1, 3x3, max pool), nine inception modules (3a-3b, 4a-4e, 5a-5b) with
 * max pools between stages, global average pooling, dropout 0.2 and one Linear layer.
 * 6,624,904 parameters at 1000 classes without the auxiliary classifiers (13,004,888 with).
 * As in torchvision, the "5x5" branches use 3x3 kernels; `paperKernels: true` uses 5x5.
 * Weights: N(0, 0.01) for conv and Linear weights (torchvision's truncated normal, whose ±2 cut
 * is 200 standard deviations away). Accepts inputs from 31x31 up (ceil-mode pools, adaptive head).
 * Module paths are torchvision's (`conv1.conv`, `inception3a.branch2.1.bn`, `aux1.fc2`, `fc`), so
 * its state dicts load strictly; `transformInput: true` matches its pretrained weights' input.
 */
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/creation.js';
import { Module } from '../nn/module.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Linear } from '../nn/layers/linear.js';
import { ReLU } from '../nn/layers/activation.js';
import { Dropout } from '../nn/layers/dropout.js';
import { AdaptiveAvgPool2d, MaxPool2d } from '../nn/layers/pooling.js';
import { normal_ } from '../nn/init.js';
import { BasicConv2d, InceptionModule } from './inception.js';
import { checkDropout, checkInit, checkPositiveInt, type ZooInit } from './layer-plan.js';

/** Options of googlenet(). */
export interface GoogLeNetOptions {
  /** Output logits (default 1000). */
  numClasses?: number;
  /** Build the two auxiliary classifiers after inception 4a and 4d (default false). */
  auxLogits?: boolean;
  /** Dropout before the final Linear layer (default 0.2). */
  dropout?: number;
  /** Dropout in the auxiliary classifiers (default 0.7). */
  auxDropout?: number;
  /** Input channels (default 3). */
  inChannels?: number;
  /** 5x5 kernels in the inception modules as in the paper (default false: torchvision's 3x3). */
  paperKernels?: boolean;
  /** 'torchvision' (default): N(0, 0.01) conv and Linear weights; 'default': each layer's PyTorch default (faster). */
  init?: ZooInit;
  /**
   * torchvision's `transform_input` (default false): re-normalise ImageNet-normalised RGB input to
   * the (x - 0.5) / 0.5 scaling of the original Inception weights, as torchvision does when it
   * loads its pretrained GoogLeNet. Turn it on with torchvision's pretrained weights.
   */
  transformInput?: boolean;
}

/** torchvision's GoogLeNet._transform_input: per channel x * (std / 0.5) + (mean - 0.5) / 0.5. */
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/** GoogLeNet's auxiliary classifier: 4x4 average pool → 1x1 conv 128 → fc 1024 → ReLU → dropout → fc. */
export class InceptionAux extends Module {
  static override readonly typeName: string = 'InceptionAux';

  /** Pools to 4x4. */
  avgpool: AdaptiveAvgPool2d;
  /** 1x1 conv to 128 channels. */
  conv: BasicConv2d;
  /** 2048 → 1024. */
  fc1: Linear;
  /** 1024 → numClasses. */
  fc2: Linear;
  /** ReLU after fc1. */
  relu: ReLU;
  /** Dropout after fc1. */
  dropout: Dropout;

  /** An auxiliary head on inChannels feature maps. */
  constructor(inChannels: number, numClasses: number, dropout = 0.7) {
    super();
    this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d(4));
    this.conv = this.registerModule('conv', new BasicConv2d(inChannels, 128, 1));
    this.fc1 = this.registerModule('fc1', new Linear(2048, 1024));
    this.fc2 = this.registerModule('fc2', new Linear(1024, numClasses));
    this.relu = this.registerModule('relu', new ReLU());
    this.dropout = this.registerModule('dropout', new Dropout(dropout));
  }

  /** Auxiliary logits (N, numClasses). */
  forward(x: Tensor): Tensor {
    const h = this.conv.call(this.avgpool.call(x)).flatten(1);
    return this.fc2.call(this.dropout.call(this.relu.call(this.fc1.call(h))));
  }
}

/**
 * GoogLeNet. forward returns the main logits; in training mode with auxLogits, the auxiliary
 * logits of that forward are kept in `auxOutputs` ([aux1, aux2]) for the loss (the paper weights
 * them 0.3); otherwise `auxOutputs` is null.
 */
export class GoogLeNet extends Module {
  static override readonly typeName: string = 'GoogLeNet';

  /** Auxiliary logits of the last training forward (auxLogits only), else null. */
  auxOutputs: [Tensor, Tensor] | null = null;
  /** The nine inception modules in order (3a, 3b, 4a, ..., 5b), for inspection. */
  readonly inceptions: readonly InceptionModule[];
  /** Whether forward re-normalises the input as torchvision's transform_input does. */
  readonly transformInput: boolean;

  /** Builds GoogLeNet (see the file comment). */
  constructor(options: GoogLeNetOptions = {}) {
    super();
    const {
      numClasses = 1000,
      auxLogits = false,
      dropout = 0.2,
      auxDropout = 0.7,
      inChannels = 3,
      paperKernels = false,
      init = 'torchvision',
      transformInput = false,
    } = options;
    checkPositiveInt('googlenet', 'numClasses', numClasses);
    checkPositiveInt('googlenet', 'inChannels', inChannels);
    checkDropout('googlenet', dropout);
    checkDropout('googlenet', auxDropout);
    checkInit('googlenet', init);
    if (typeof transformInput !== 'boolean')
      throw new TypeError(`googlenet: transformInput must be true or false, got ${String(transformInput)}`);
    if (transformInput && inChannels !== 3)
      throw new RangeError(`googlenet: transformInput needs 3 (RGB) input channels, got inChannels ${inChannels}`);
    this.transformInput = transformInput;
    const reg = <M extends Module | null>(n: string, m: M): M => this.registerModule(n, m);
    // registered first, so code that runs the children in order (exporters) sees it
    if (transformInput) reg('transform_input', new GoogLeNetTransformInput());
    const pool = (k: number): MaxPool2d => new MaxPool2d(k, { stride: 2, ceilMode: true });
    const inc = (...a: [number, number, number, number, number, number, number]): InceptionModule =>
      new InceptionModule(...a, { branch5Kernel: paperKernels ? 5 : 3 });
    reg('conv1', new BasicConv2d(inChannels, 64, 7, { stride: 2, padding: 3 }));
    reg('maxpool1', pool(3));
    reg('conv2', new BasicConv2d(64, 64, 1));
    reg('conv3', new BasicConv2d(64, 192, 3, { padding: 1 }));
    reg('maxpool2', pool(3));
    const incs = [
      reg('inception3a', inc(192, 64, 96, 128, 16, 32, 32)),
      reg('inception3b', inc(256, 128, 128, 192, 32, 96, 64)),
    ];
    reg('maxpool3', pool(3));
    incs.push(
      reg('inception4a', inc(480, 192, 96, 208, 16, 48, 64)),
      reg('inception4b', inc(512, 160, 112, 224, 24, 64, 64)),
      reg('inception4c', inc(512, 128, 128, 256, 24, 64, 64)),
      reg('inception4d', inc(512, 112, 144, 288, 32, 64, 64)),
      reg('inception4e', inc(528, 256, 160, 320, 32, 128, 128)),
    );
    reg('maxpool4', pool(2));
    incs.push(
      reg('inception5a', inc(832, 256, 160, 320, 32, 128, 128)),
      reg('inception5b', inc(832, 384, 192, 384, 48, 128, 128)),
    );
    this.inceptions = Object.freeze(incs);
    reg('aux1', auxLogits ? new InceptionAux(512, numClasses, auxDropout) : null);
    reg('aux2', auxLogits ? new InceptionAux(528, numClasses, auxDropout) : null);
    reg('avgpool', new AdaptiveAvgPool2d(1));
    reg('dropout', new Dropout(dropout));
    reg('fc', new Linear(1024, numClasses));
    if (init === 'torchvision')
      for (const m of this.modules()) if (m instanceof Conv2d || m instanceof Linear) normal_(m.weight, 0, 0.01);
  }

  private sub(name: string): Module {
    return this.getSubmodule(name);
  }

  /** Main logits (N, numClasses) for images (N, C, H, W). */
  forward(x: Tensor): Tensor {
    this.auxOutputs = null;
    let h = this.transformInput ? this.sub('transform_input').call(x) : x;
    for (const n of [
      'conv1',
      'maxpool1',
      'conv2',
      'conv3',
      'maxpool2',
      'inception3a',
      'inception3b',
      'maxpool3',
      'inception4a',
    ])
      h = this.sub(n).call(h);
    const aux = this.training && this.getAux();
    const a1 = aux ? aux[0].call(h) : null;
    for (const n of ['inception4b', 'inception4c', 'inception4d']) h = this.sub(n).call(h);
    const a2 = aux ? aux[1].call(h) : null;
    for (const n of ['inception4e', 'maxpool4', 'inception5a', 'inception5b', 'avgpool']) h = this.sub(n).call(h);
    const logits = this.sub('fc').call(this.sub('dropout').call(h.flatten(1)));
    if (a1 && a2) this.auxOutputs = [a1, a2];
    return logits;
  }

  private getAux(): [Module, Module] | null {
    const names = new Map(this.namedChildren());
    const a1 = names.get('aux1'),
      a2 = names.get('aux2');
    return a1 && a2 ? [a1, a2] : null;
  }
}

/**
 * torchvision's GoogLeNet transform_input as a module without parameters (so it adds no state-dict
 * key): channel c becomes x_c * (std_c / 0.5) + (mean_c - 0.5) / 0.5 with ImageNet's mean and std.
 */
export class GoogLeNetTransformInput extends Module {
  static override readonly typeName: string = 'GoogLeNetTransformInput';

  /** Re-normalises (N, 3, H, W) input. */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== 3)
      throw new RangeError(`GoogLeNetTransformInput: expects (N, 3, H, W) input, got [${x.shape.join(', ')}]`);
    const scale = tensor(IMAGENET_STD.map((s) => s / 0.5)).reshape([1, 3, 1, 1]);
    const shift = tensor(IMAGENET_MEAN.map((m) => (m - 0.5) / 0.5)).reshape([1, 3, 1, 1]);
    return x.mul(scale).add(shift);
  }
}

/** GoogLeNet (torchvision's definition; 6,624,904 parameters without auxiliary classifiers). */
export function googlenet(options: GoogLeNetOptions = {}): GoogLeNet {
  return new GoogLeNet(options);
}
