/**
 * Layer plans: a plain-data list of layer specs that `buildPlan` turns into modules and
 * `planParameters` counts without allocating anything. AlexNet and VGG are built from plans, so
 * their famous parameter counts (VGG16: 138,357,544) can be checked without initialising 138
 * million random weights, and the count provably describes the very layers that get built.
 */
import { ReLU } from '../nn/layers/activation.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Flatten } from '../nn/layers/flatten.js';
import { Linear } from '../nn/layers/linear.js';
import { BatchNorm2d, LocalResponseNorm } from '../nn/layers/normalization.js';
import { AdaptiveAvgPool2d, MaxPool2d } from '../nn/layers/pooling.js';
import { Sequential, type Module } from '../nn/module.js';

/** One layer of a plan (the arguments of the layer's constructor, as data). */
export type LayerSpec =
  | {
      /** A Conv2d. */
      kind: 'conv';
      /** Input channels. */
      inChannels: number;
      /** Output channels (filters). */
      outChannels: number;
      /** Square kernel size. */
      kernelSize: number;
      /** Stride (default 1). */
      stride?: number;
      /** Zero padding on each side (default 0). */
      padding?: number;
      /** Whether the layer has a bias (default true). */
      bias?: boolean;
    }
  | {
      /** A Linear layer. */
      kind: 'linear';
      /** Input features. */
      inFeatures: number;
      /** Output features. */
      outFeatures: number;
    }
  | {
      /** A BatchNorm2d. */
      kind: 'batchNorm';
      /** Channels normalised. */
      numFeatures: number;
    }
  | {
      /** A LocalResponseNorm (AlexNet). */
      kind: 'lrn';
      /** Neighbouring channels in the normalisation window. */
      size: number;
      /** Scale of the sum of squares. */
      alpha: number;
      /** Exponent. */
      beta: number;
      /** Additive constant. */
      k: number;
    }
  | {
      /** A ReLU. */
      kind: 'relu';
    }
  | {
      /** A MaxPool2d. */
      kind: 'maxPool';
      /** Square window size. */
      kernelSize: number;
      /** Stride. */
      stride: number;
    }
  | {
      /** An AdaptiveAvgPool2d. */
      kind: 'adaptiveAvgPool';
      /** Square output size. */
      outputSize: number;
    }
  | {
      /** A Dropout. */
      kind: 'dropout';
      /** Probability of zeroing an element in training. */
      p: number;
    }
  | {
      /** A Flatten (from dim 1). */
      kind: 'flatten';
    };

/** Constructs the module a spec describes. */
export function buildLayer(spec: LayerSpec): Module {
  switch (spec.kind) {
    case 'conv':
      return new Conv2d(spec.inChannels, spec.outChannels, spec.kernelSize, {
        stride: spec.stride ?? 1,
        padding: spec.padding ?? 0,
        bias: spec.bias ?? true,
      });
    case 'linear':
      return new Linear(spec.inFeatures, spec.outFeatures);
    case 'batchNorm':
      return new BatchNorm2d(spec.numFeatures);
    case 'lrn':
      return new LocalResponseNorm(spec.size, { alpha: spec.alpha, beta: spec.beta, k: spec.k });
    case 'relu':
      return new ReLU();
    case 'maxPool':
      return new MaxPool2d(spec.kernelSize, { stride: spec.stride });
    case 'adaptiveAvgPool':
      return new AdaptiveAvgPool2d(spec.outputSize);
    case 'dropout':
      return new Dropout(spec.p);
    case 'flatten':
      return new Flatten();
  }
}

/** A Sequential of the plan's layers, in order. */
export function buildPlan(plan: readonly LayerSpec[]): Sequential {
  return new Sequential(...plan.map(buildLayer));
}

/** Trainable values the spec's layer holds (BatchNorm: weight and bias; running stats are buffers). */
export function specParameters(spec: LayerSpec): number {
  switch (spec.kind) {
    case 'conv':
      return (
        spec.outChannels * spec.inChannels * spec.kernelSize * spec.kernelSize +
        ((spec.bias ?? true) ? spec.outChannels : 0)
      );
    case 'linear':
      return spec.outFeatures * spec.inFeatures + spec.outFeatures;
    case 'batchNorm':
      return 2 * spec.numFeatures;
    default:
      return 0;
  }
}

/** Total parameter count of a plan, computed from the specs alone (nothing is allocated). */
export function planParameters(plan: readonly LayerSpec[]): number {
  return plan.reduce((n, s) => n + specParameters(s), 0);
}

/** Throws `op: name must be a positive integer, got v` unless v is one. */
export function checkPositiveInt(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1)
    throw new RangeError(`${op}: ${name} must be a positive integer, got ${String(v)}`);
}

/** Throws unless p is a probability in [0, 1). */
export function checkDropout(op: string, p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p < 1))
    throw new RangeError(`${op}: dropout must be in [0, 1), got ${String(p)}`);
}

/** Weight initialisation of the model zoo: torchvision's re-initialisation, or the layers' own PyTorch default. */
export type ZooInit = 'torchvision' | 'default';

/** Throws unless init is 'torchvision' or 'default'. */
export function checkInit(op: string, init: string): void {
  if (init !== 'torchvision' && init !== 'default')
    throw new RangeError(`${op}: init must be 'torchvision' or 'default', got '${String(init)}'`);
}
