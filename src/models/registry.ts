/**
 * Models by name: `createModel('lenet5')`. Each entry knows the input it expects and the loss
 * it is trained with, so the CLI and scripts can pair any model with any dataset that fits.
 */
import type { Module } from '../nn/module.js';
import type { LossName } from '../train/losses.js';
import { kerasFashion } from './keras-fashion.js';
import { lenet5 } from './lenet5.js';
import { logisticRegression } from './logistic.js';
import { mlp } from './mlp.js';
import { alexnet } from './alexnet.js';
import { vgg11, vgg16 } from './vgg.js';
import { googlenet } from './googlenet.js';
import { resnet18, resnet20, resnet34, resnet50 } from './resnet.js';
import { autoencoder } from './autoencoder.js';
import { unet } from './unet.js';

/** What createModel needs to size a model for a dataset. */
export interface ModelOptions {
  /** Shape of one input sample, e.g. [1, 28, 28] or [30]. */
  inputShape?: readonly number[];
  /** Number of classes (default 10). */
  numClasses?: number;
  /** Hidden layer widths (mlp only). */
  hidden?: readonly number[];
}

/** A registered model. */
export interface ModelSpec {
  /** Registry name. */
  readonly name: string;
  /** One-line description. */
  readonly description: string;
  /** The loss it is trained with. */
  readonly loss: LossName;
  /** The input shape it is built for by default. */
  readonly defaultInputShape: readonly number[];
  /** 'classification' (logits, integer labels) or 'reconstruction' (output = input shape, trained on x → x). */
  readonly task: 'classification' | 'reconstruction';
  /** Why the model cannot take samples of this shape (e.g. 'needs images of at least 63x63'), or null when it can; builds nothing. */
  inputProblem(inputShape: readonly number[]): string | null;
  /** Builds the model (throws if the input shape does not fit). */
  create(options?: ModelOptions): Module;
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** The reason a shape is not [C, H, W] with H, W >= minSide (and divisible by multipleOf), or null. */
function imageProblem(shape: readonly number[], minSide: number, multipleOf = 1): string | null {
  const ok =
    shape.length === 3 &&
    shape[1] >= minSide &&
    shape[2] >= minSide &&
    shape[1] % multipleOf === 0 &&
    shape[2] % multipleOf === 0;
  if (ok) return null;
  const rule = multipleOf > 1 ? ` with H and W divisible by ${multipleOf}` : '';
  return `needs [C, H, W] images of at least ${minSide}x${minSide}${rule}, the dataset gives [${shape.join(', ')}]`;
}

/** The reason a shape is not [C, 28, 28] (channels: required C, if any), or null. */
function image28Problem(shape: readonly number[], channels?: number): string | null {
  if (shape.length !== 3 || shape[1] !== 28 || shape[2] !== 28)
    return `needs [C, 28, 28] images, the dataset gives [${shape.join(', ')}]`;
  if (channels !== undefined && shape[0] !== channels)
    return `needs ${channels}-channel images, the dataset gives ${shape[0]}`;
  return null;
}

/** Throws createModel's RangeError when problem() reports one for the shape; returns the shape. */
function fitting(
  name: string,
  shape: readonly number[],
  problem: (s: readonly number[]) => string | null,
): readonly number[] {
  const p = problem(shape);
  if (p) throw new RangeError(`createModel('${name}'): ${p}`);
  return shape;
}

/** The spec of a crossEntropy classifier of [C, H, W] images (H, W >= minSide) built as build({ inChannels, numClasses }). */
function imageClassifier(
  name: string,
  description: string,
  defaultInputShape: readonly number[],
  minSide: number,
  build: (o: { inChannels: number; numClasses: number }) => Module,
): ModelSpec {
  const inputProblem = (s: readonly number[]): string | null => imageProblem(s, minSide);
  return {
    name,
    description,
    loss: 'crossEntropy',
    task: 'classification',
    defaultInputShape,
    inputProblem,
    create: (o = {}) =>
      build({
        inChannels: fitting(name, o.inputShape ?? defaultInputShape, inputProblem)[0],
        numClasses: o.numClasses ?? 10,
      }),
  };
}

/** The deepest U-Net (at most 4 levels) whose pooling divides H and W (28x28 → 2 levels). */
function unetDepth(shape: readonly number[]): number {
  let d = 0;
  while (d < 4 && shape[1] % 2 ** (d + 1) === 0 && shape[2] % 2 ** (d + 1) === 0) d++;
  return d;
}

const anyShape = (): null => null;
const lenetProblem = (s: readonly number[]): string | null => image28Problem(s);
const kerasFashionProblem = (s: readonly number[]): string | null => image28Problem(s, 1);
const autoencoderProblem = (s: readonly number[]): string | null => imageProblem(s, 4, 4);
const unetProblem = (s: readonly number[]): string | null => imageProblem(s, 2, 2);

const specs: ModelSpec[] = [
  {
    name: 'mlp',
    description: 'dense network: flatten → 300 → ReLU → 100 → ReLU → classes',
    loss: 'crossEntropy',
    task: 'classification',
    defaultInputShape: [1, 28, 28],
    inputProblem: anyShape,
    create: (o = {}) =>
      mlp({
        inputSize: size(o.inputShape ?? [1, 28, 28]),
        numClasses: o.numClasses ?? 10,
        ...(o.hidden ? { hidden: o.hidden } : {}),
      }),
  },
  {
    name: 'lenet5',
    description: 'LeNet-5 (conv 6@5x5, pool, conv 16@5x5, pool, 120, 84, 10) for 28x28 images',
    loss: 'crossEntropy',
    task: 'classification',
    defaultInputShape: [1, 28, 28],
    inputProblem: lenetProblem,
    create: (o = {}) =>
      lenet5({
        inChannels: fitting('lenet5', o.inputShape ?? [1, 28, 28], lenetProblem)[0],
        numClasses: o.numClasses ?? 10,
      }),
  },
  {
    name: 'keras-fashion',
    description: "the lecture's Keras Fashion-MNIST CNN (1,413,834 parameters)",
    loss: 'crossEntropy',
    task: 'classification',
    defaultInputShape: [1, 28, 28],
    inputProblem: kerasFashionProblem,
    create: (o = {}) => {
      fitting('keras-fashion', o.inputShape ?? [1, 28, 28], kerasFashionProblem);
      return kerasFashion({ numClasses: o.numClasses ?? 10 });
    },
  },
  {
    name: 'logistic',
    description: 'logistic regression (one linear layer; one logit for two classes)',
    loss: 'bceWithLogits',
    task: 'classification',
    defaultInputShape: [30],
    inputProblem: anyShape,
    create: (o = {}) => logisticRegression({ inputSize: size(o.inputShape ?? [30]), numClasses: o.numClasses ?? 2 }),
  },
  imageClassifier(
    'alexnet',
    "AlexNet, torchvision's variant (5 conv + 3 fc; 61,100,840 parameters at 1000 classes), images ≥ 63x63",
    [3, 224, 224],
    63,
    alexnet,
  ),
  imageClassifier(
    'vgg11',
    'VGG-11 (8 conv 3x3 + 3 fc; 132,863,336 parameters at 1000 classes), images ≥ 32x32',
    [3, 224, 224],
    32,
    vgg11,
  ),
  imageClassifier(
    'vgg16',
    'VGG-16 (13 conv 3x3 + 3 fc; 138,357,544 parameters at 1000 classes), images ≥ 32x32',
    [3, 224, 224],
    32,
    vgg16,
  ),
  imageClassifier(
    'googlenet',
    'GoogLeNet / Inception v1, torchvision (6,624,904 parameters at 1000 classes), images ≥ 31x31',
    [3, 224, 224],
    31,
    googlenet,
  ),
  imageClassifier(
    'resnet18',
    'ResNet-18 (BasicBlocks 2-2-2-2; 11,689,512 parameters at 1000 classes), any image size',
    [3, 224, 224],
    1,
    resnet18,
  ),
  imageClassifier(
    'resnet34',
    'ResNet-34 (BasicBlocks 3-4-6-3; 21,797,672 parameters at 1000 classes), any image size',
    [3, 224, 224],
    1,
    resnet34,
  ),
  imageClassifier(
    'resnet50',
    'ResNet-50 (Bottlenecks 3-4-6-3; 25,557,032 parameters at 1000 classes), any image size',
    [3, 224, 224],
    1,
    resnet50,
  ),
  imageClassifier(
    'resnet20',
    "ResNet-20 for 32x32 images (He et al.'s CIFAR network, 269,722 parameters)",
    [3, 32, 32],
    1,
    resnet20,
  ),
  {
    name: 'autoencoder',
    description: 'convolutional autoencoder (2 stride-2 convs → 32-d code → 2 transposed convs), output = input shape',
    loss: 'mse',
    task: 'reconstruction',
    defaultInputShape: [1, 28, 28],
    inputProblem: autoencoderProblem,
    create: (o = {}) =>
      autoencoder({ inputShape: fitting('autoencoder', o.inputShape ?? [1, 28, 28], autoencoderProblem) }),
  },
  {
    name: 'unet',
    description: 'U-Net (base 64, up to 4 levels as H and W allow), image to image, output = input shape',
    loss: 'mse',
    task: 'reconstruction',
    defaultInputShape: [1, 64, 64],
    inputProblem: unetProblem,
    create: (o = {}) => {
      const shape = fitting('unet', o.inputShape ?? [1, 64, 64], unetProblem);
      return unet({ inChannels: shape[0], outChannels: shape[0], depth: unetDepth(shape) });
    },
  },
];

/** Names of all registered models. */
export function modelNames(): string[] {
  return specs.map((s) => s.name);
}

/** The registry entry of a model (throws listing the known names). */
export function modelSpec(name: string): ModelSpec {
  const s = specs.find((m) => m.name === name);
  if (!s) throw new RangeError(`unknown model '${name}' (known: ${modelNames().join(', ')})`);
  return s;
}

/** The loss a model is trained with: 'bceWithLogits' when it outputs one logit for two classes. */
export function modelLoss(name: string, numClasses = 10): LossName {
  const s = modelSpec(name);
  return s.name === 'logistic' && numClasses > 2 ? 'crossEntropy' : s.loss;
}

/** Builds a registered model by name ('mlp', 'lenet5', 'resnet20', 'unet', ...; see modelNames()). */
export function createModel(name: string, options: ModelOptions = {}): Module {
  return modelSpec(name).create(options);
}
