/**
 * Models by name: `createModel('lenet5')`. Each entry knows the input it expects, the tasks it
 * does and the loss it is trained with, so the CLI and scripts can pair any model with any
 * dataset that fits, and resize images that are too small (`resizeFor`).
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
import { tcn1d } from './tcn.js';
import { anyShape, exactImageRule, imageRule, type InputRule, sequenceRule } from './input-rules.js';

/**
 * What a model does: 'classification' (logits, integer labels), 'reconstruction' (output = input
 * shape, trained on x → x) or 'segmentation' (one mask logit per pixel, or class logits per pixel).
 */
export type ModelTask = 'classification' | 'reconstruction' | 'segmentation';

/** What createModel needs to size a model for a dataset. */
export interface ModelOptions {
  /** Shape of one input sample, e.g. [1, 28, 28], [30] or [1, 128] (a 1-D sequence [C, L]). */
  inputShape?: readonly number[];
  /** Number of classes (default 10); for segmentation, classes per pixel (≤ 2: one mask logit). */
  numClasses?: number;
  /** Hidden layer widths (mlp only). */
  hidden?: readonly number[];
  /** The task to build for (default the spec's `task`; must be one of its `tasks`). */
  task?: ModelTask;
  /**
   * Output channels of an image-to-image model (unet): 1 = one mask logit per pixel, K = K class
   * logits per pixel. Default: the input's channels for reconstruction; for segmentation 1 when
   * numClasses ≤ 2 (or not given), else numClasses.
   */
  outChannels?: number;
  /**
   * Multiplies the model's widths (hidden units, conv channels; rounded, at least 1) for cheaper
   * or larger variants: mlp, vgg11/vgg16 (conv widths), tcn1d, autoencoder, unet. Default 1.
   */
  width?: number;
  /** Dropout probability of the model's dropout layers: mlp, keras-fashion, alexnet, vgg11/vgg16, googlenet, tcn1d. */
  dropout?: number;
}

/** Options of createModel that only some models take (see ModelSpec.options). */
export type ModelOptionName = 'width' | 'dropout';

/** A registered model. */
export interface ModelSpec {
  /** Registry name. */
  readonly name: string;
  /** One-line description. */
  readonly description: string;
  /** The loss it is trained with for its default task (see modelLoss for the others). */
  readonly loss: LossName;
  /** The input shape it is built for by default. */
  readonly defaultInputShape: readonly number[];
  /** Its default task: what it does on a dataset of labelled images ('reconstruction' for autoencoder and unet). */
  readonly task: ModelTask;
  /** Every task it can be built for (createModel's `task` option); the default task first. */
  readonly tasks: readonly ModelTask[];
  /** Which of createModel's `width` and `dropout` options it takes (others throw). */
  readonly options: readonly ModelOptionName[];
  /** Why the model cannot take samples of this shape (e.g. 'needs images of at least 63x63'), or null when it can; builds nothing. */
  inputProblem(inputShape: readonly number[]): string | null;
  /**
   * The [H, W] to resize [C, H, W] images to when they do not fit (alexnet 28x28 → 64x64, vgg →
   * 32x32, lenet5 32x32 → 28x28, unet 27x27 → 28x28), or null when they fit as they are or no
   * resizing helps (not an image, wrong channel count).
   */
  resizeFor(inputShape: readonly number[]): [number, number] | null;
  /** Builds the model (throws if the input shape does not fit). */
  create(options?: ModelOptions): Module;
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Throws createModel's RangeError when the rule reports a problem with the shape; returns the shape. */
function fitting(name: string, shape: readonly number[], rule: InputRule): readonly number[] {
  const p = rule.problem(shape);
  if (p) {
    const r = rule.resize(shape);
    const hint = r ? ` (resize the images to ${r[0]}x${r[1]}: see modelSpec('${name}').resizeFor)` : '';
    throw new RangeError(`createModel('${name}'): ${p}${hint}`);
  }
  return shape;
}

/** The task createModel builds: options.task if the spec has it (else a RangeError naming the tasks), or the default. */
function chosenTask(name: string, tasks: readonly ModelTask[], task: ModelTask | undefined): ModelTask {
  if (task === undefined) return tasks[0];
  if (!tasks.includes(task))
    throw new RangeError(`createModel('${name}'): cannot do task '${task}' (it does: ${tasks.join(', ')})`);
  return task;
}

/** Throws when width or dropout is given to a model without it, or out of range. */
function checkModelOptions(name: string, takes: readonly ModelOptionName[], o: ModelOptions): void {
  for (const k of ['width', 'dropout'] as const) {
    const v = o[k];
    if (v === undefined) continue;
    if (!takes.includes(k))
      throw new RangeError(
        `createModel('${name}'): option '${k}' does not apply to ${name} (it takes: ${takes.join(', ') || 'neither width nor dropout'})`,
      );
    const ok = k === 'width' ? Number.isFinite(v) && v > 0 : v >= 0 && v < 1;
    if (typeof v !== 'number' || !ok)
      throw new RangeError(
        `createModel('${name}'): ${k} must be ${k === 'width' ? 'a positive multiplier' : 'in [0, 1)'}, got ${String(v)}`,
      );
  }
}

/** n · width rounded, at least 1. */
const scaled = (n: number, width = 1): number => Math.max(1, Math.round(n * width));

/** `dropout` as a factory option when given (so the factory's own default applies otherwise). */
const dropoutOf = (o: ModelOptions): { dropout?: number } => (o.dropout === undefined ? {} : { dropout: o.dropout });

/** A spec from its parts: `build` gets the checked shape, options and task. */
function entry(o: {
  name: string;
  description: string;
  loss: LossName;
  tasks: readonly ModelTask[];
  options?: readonly ModelOptionName[];
  defaultInputShape: readonly number[];
  rule: InputRule;
  build: (shape: readonly number[], options: ModelOptions, task: ModelTask) => Module;
}): ModelSpec {
  const takes = o.options ?? [];
  return {
    name: o.name,
    description: o.description,
    loss: o.loss,
    task: o.tasks[0],
    tasks: o.tasks,
    options: takes,
    defaultInputShape: o.defaultInputShape,
    inputProblem: (s) => o.rule.problem(s),
    resizeFor: (s) => o.rule.resize(s),
    create: (options = {}) => {
      const task = chosenTask(o.name, o.tasks, options.task);
      checkModelOptions(o.name, takes, options);
      return o.build(fitting(o.name, options.inputShape ?? o.defaultInputShape, o.rule), options, task);
    },
  };
}

/** The spec of a crossEntropy classifier of [C, H, W] images built as build({ inChannels, numClasses }). */
function imageClassifier(
  name: string,
  description: string,
  defaultInputShape: readonly number[],
  rule: InputRule,
  build: (o: { inChannels: number; numClasses: number } & Pick<ModelOptions, 'width' | 'dropout'>) => Module,
  options: readonly ModelOptionName[] = [],
): ModelSpec {
  return entry({
    name,
    description,
    loss: 'crossEntropy',
    tasks: ['classification'],
    options,
    defaultInputShape,
    rule,
    build: (shape, o) =>
      build({
        inChannels: shape[0],
        numClasses: o.numClasses ?? 10,
        ...(o.width === undefined ? {} : { width: o.width }),
        ...dropoutOf(o),
      }),
  });
}

/** The deepest U-Net (at most 4 levels) whose pooling divides H and W (28x28 → 2 levels). */
function unetDepth(shape: readonly number[]): number {
  let d = 0;
  while (d < 4 && shape[1] % 2 ** (d + 1) === 0 && shape[2] % 2 ** (d + 1) === 0) d++;
  return d;
}

/** Output channels of a segmentation model: one mask logit for ≤ 2 classes, else one logit per class. */
function segmentationChannels(numClasses: number | undefined): number {
  return numClasses === undefined || numClasses <= 2 ? 1 : numClasses;
}

const specs: ModelSpec[] = [
  entry({
    name: 'mlp',
    description: 'dense network: flatten → 300 → ReLU → 100 → ReLU → classes',
    loss: 'crossEntropy',
    tasks: ['classification'],
    options: ['width', 'dropout'],
    defaultInputShape: [1, 28, 28],
    rule: anyShape,
    build: (shape, o) =>
      mlp({
        inputSize: size(shape),
        numClasses: o.numClasses ?? 10,
        hidden: (o.hidden ?? [300, 100]).map((h) => scaled(h, o.width)),
        ...dropoutOf(o),
      }),
  }),
  entry({
    name: 'lenet5',
    description: 'LeNet-5 (conv 6@5x5, pool, conv 16@5x5, pool, 120, 84, 10) for 28x28 images',
    loss: 'crossEntropy',
    tasks: ['classification'],
    defaultInputShape: [1, 28, 28],
    rule: exactImageRule(28),
    build: (shape, o) => lenet5({ inChannels: shape[0], numClasses: o.numClasses ?? 10 }),
  }),
  entry({
    name: 'keras-fashion',
    description: "the lecture's Keras Fashion-MNIST CNN (1,413,834 parameters) for 28x28 images",
    loss: 'crossEntropy',
    tasks: ['classification'],
    defaultInputShape: [1, 28, 28],
    options: ['dropout'],
    rule: exactImageRule(28),
    build: (shape, o) => kerasFashion({ inChannels: shape[0], numClasses: o.numClasses ?? 10, ...dropoutOf(o) }),
  }),
  entry({
    name: 'logistic',
    description: 'logistic regression (one linear layer; one logit for two classes)',
    loss: 'bceWithLogits',
    tasks: ['classification'],
    defaultInputShape: [30],
    rule: anyShape,
    build: (shape, o) => logisticRegression({ inputSize: size(shape), numClasses: o.numClasses ?? 2 }),
  }),
  imageClassifier(
    'alexnet',
    "AlexNet, torchvision's variant (5 conv + 3 fc; 61,100,840 parameters at 1000 classes), images ≥ 63x63",
    [3, 224, 224],
    imageRule(63, 1, 64),
    ({ width: _w, ...o }) => alexnet(o),
    ['dropout'],
  ),
  imageClassifier(
    'vgg11',
    'VGG-11 (8 conv 3x3 + 3 fc; 132,863,336 parameters at 1000 classes), images ≥ 32x32',
    [3, 224, 224],
    imageRule(32),
    vgg11,
    ['width', 'dropout'],
  ),
  imageClassifier(
    'vgg16',
    'VGG-16 (13 conv 3x3 + 3 fc; 138,357,544 parameters at 1000 classes), images ≥ 32x32',
    [3, 224, 224],
    imageRule(32),
    vgg16,
    ['width', 'dropout'],
  ),
  imageClassifier(
    'googlenet',
    'GoogLeNet / Inception v1, torchvision (6,624,904 parameters at 1000 classes), images ≥ 31x31',
    [3, 224, 224],
    imageRule(31, 1, 64),
    ({ width: _w, ...o }) => googlenet(o),
    ['dropout'],
  ),
  imageClassifier(
    'resnet18',
    'ResNet-18 (BasicBlocks 2-2-2-2; 11,689,512 parameters at 1000 classes), any image size',
    [3, 224, 224],
    imageRule(1),
    resnet18,
  ),
  imageClassifier(
    'resnet34',
    'ResNet-34 (BasicBlocks 3-4-6-3; 21,797,672 parameters at 1000 classes), any image size',
    [3, 224, 224],
    imageRule(1),
    resnet34,
  ),
  imageClassifier(
    'resnet50',
    'ResNet-50 (Bottlenecks 3-4-6-3; 25,557,032 parameters at 1000 classes), any image size',
    [3, 224, 224],
    imageRule(1),
    resnet50,
  ),
  imageClassifier(
    'resnet20',
    "ResNet-20 for 32x32 images (He et al.'s CIFAR network, 269,722 parameters)",
    [3, 32, 32],
    imageRule(1),
    resnet20,
  ),
  entry({
    name: 'tcn1d',
    description:
      'temporal CNN for [C, L] sequences (Bai et al. 2018): causal dilated Conv1d residual blocks, mean over time, linear',
    loss: 'crossEntropy',
    tasks: ['classification'],
    options: ['width', 'dropout'],
    defaultInputShape: [1, 128],
    rule: sequenceRule(),
    build: (shape, o) =>
      tcn1d({
        inChannels: shape[0],
        seqLen: shape[1],
        numClasses: o.numClasses ?? 10,
        channels: scaled(32, o.width),
        ...dropoutOf(o),
      }),
  }),
  entry({
    name: 'autoencoder',
    description: 'convolutional autoencoder (2 stride-2 convs → 32-d code → 2 transposed convs), output = input shape',
    loss: 'mse',
    tasks: ['reconstruction'],
    options: ['width'],
    defaultInputShape: [1, 28, 28],
    rule: imageRule(4, 4),
    build: (shape, o) => autoencoder({ inputShape: shape, channels: [scaled(16, o.width), scaled(32, o.width)] }),
  }),
  entry({
    name: 'unet',
    description:
      'U-Net (base 64, up to 4 levels as H and W allow): image to image (x → x), or mask logits per pixel for segmentation',
    loss: 'mse',
    tasks: ['reconstruction', 'segmentation'],
    options: ['width'],
    defaultInputShape: [1, 64, 64],
    rule: imageRule(2, 2),
    build: (shape, o, task) =>
      unet({
        inChannels: shape[0],
        outChannels: o.outChannels ?? (task === 'segmentation' ? segmentationChannels(o.numClasses) : shape[0]),
        depth: unetDepth(shape),
        base: scaled(64, o.width),
      }),
  }),
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

/**
 * The loss a model is trained with for a task (default its own task): 'mse' for reconstruction;
 * for segmentation 'bceWithLogits' on one mask logit (numClasses ≤ 2 or not given), else
 * per-pixel 'crossEntropy'; for classification its spec's loss, except logistic regression over
 * more than two classes ('crossEntropy').
 */
export function modelLoss(name: string, numClasses?: number, task?: ModelTask): LossName {
  const s = modelSpec(name);
  const t = task ?? s.task;
  if (!s.tasks.includes(t))
    throw new RangeError(`modelLoss('${name}'): the model cannot do task '${t}' (it does: ${s.tasks.join(', ')})`);
  if (t === 'reconstruction') return 'mse';
  if (t === 'segmentation') return segmentationChannels(numClasses) === 1 ? 'bceWithLogits' : 'crossEntropy';
  return s.name === 'logistic' && (numClasses ?? 10) > 2 ? 'crossEntropy' : s.loss;
}

/**
 * The task a model does on a dataset of the given task, or null when it cannot train on it:
 * segmentation data → 'segmentation' if the model segments (else an autoencoder-like model
 * reconstructs the images), classification data → the model's default task (classifiers
 * classify, autoencoder and unet reconstruct x → x), regression data → null (no zoo model
 * regresses).
 */
export function modelTaskFor(
  name: string,
  datasetTask: 'classification' | 'segmentation' | 'regression',
): ModelTask | null {
  const s = modelSpec(name);
  if (datasetTask === 'segmentation') {
    if (s.tasks.includes('segmentation')) return 'segmentation';
    return s.tasks.includes('reconstruction') ? 'reconstruction' : null;
  }
  if (datasetTask === 'classification') return s.task;
  return null;
}

/** Builds a registered model by name ('mlp', 'lenet5', 'resnet20', 'tcn1d', 'unet', ...; see modelNames()). */
export function createModel(name: string, options: ModelOptions = {}): Module {
  return modelSpec(name).create(options);
}
